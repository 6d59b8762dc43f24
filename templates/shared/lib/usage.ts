// The keys panel's "This month" section: what the signed-in relay user spent this month (requests, tokens, the
// relay's cost estimate) and their monthly cap on requests, which they can set, change or remove. Plain DOM, so
// every template mounts the same section into its panel; the numbers come from @byok/client (GET /usage,
// GET/PUT/DELETE /budgets).

import type { Budget, ByokClient } from '@byok/client'

/** The part of the byok client this section needs. */
export type UsageClient = Pick<ByokClient, 'usage' | 'listBudgets' | 'setBudget' | 'deleteBudget'>

export interface MonthUsage {
  requests: number
  tokens: number
  /** Null when no call this month was to a model the relay's price table lists. */
  costUsd: number | null
  /** The user's monthly budget for all providers, the one this section edits. */
  cap: Budget | undefined
}

const monthStart = (now: Date) =>
  `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-01`

/** This UTC month's totals across apps, providers and models, and the monthly cap. */
export async function loadMonthUsage(client: UsageClient, now = new Date()): Promise<MonthUsage> {
  const [report, budgets] = await Promise.all([client.usage({ from: monthStart(now) }), client.listBudgets()])
  let requests = 0
  let tokens = 0
  let costUsd: number | null = null
  for (const row of report.rows) {
    requests += row.requests
    tokens += row.input_tokens + row.output_tokens
    if (row.estimated_cost_usd !== null) costUsd = (costUsd ?? 0) + row.estimated_cost_usd
  }
  const cap = budgets.find((b) => b.provider === '*' && b.period === 'month')
  return { requests, tokens, costUsd, cap }
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`

function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return 'under $0.01'
  return `about $${usd.toFixed(2)}`
}

/** "12 requests · 3,400 tokens · about $0.02" (the cost only when the relay could estimate it). */
export function describeUsage(usage: MonthUsage): string {
  const parts = [plural(usage.requests, 'request'), plural(usage.tokens, 'token')]
  if (usage.costUsd !== null) parts.push(formatUsd(usage.costUsd))
  return parts.join(' · ')
}

/** "3 of 10 requests used; resets Jan 1", or "No monthly cap". */
export function describeCap(cap: Budget | undefined): string {
  if (!cap || cap.max_requests === null) return 'No monthly cap.'
  const resets = new Date(cap.resets_at).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  })
  return `${cap.used.requests.toLocaleString('en-US')} of ${plural(cap.max_requests, 'request')} used; resets ${resets}.`
}

export interface UsageSection {
  /** Reloads the figures (when the panel opens, after a message). */
  refresh(): Promise<void>
  /** Clears the figures (the browser was signed out, so they belong to no one here). */
  clear(): void
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props
  const el = Object.assign(document.createElement(tag), rest)
  for (const [k, v] of Object.entries(dataset ?? {})) el.dataset[k] = v
  return el
}

/**
 * Renders the section into `container` (an empty element the framework leaves alone). Failures show as one
 * sentence under the form; the figures keep their place, so nothing below moves.
 */
export function mountUsageSection(container: HTMLElement, client: UsageClient): UsageSection {
  const title = element('h3', { id: 'usage-title', textContent: 'This month' })
  const figures = element('p', { className: 'usage-figures', textContent: '—', dataset: { role: 'usage' } })
  const capLine = element('p', { className: 'muted', textContent: '\u00a0', dataset: { role: 'usage-cap' } })
  const label = element('label', { htmlFor: 'usage-cap-input', textContent: 'Monthly cap (requests)' })
  label.className = 'field-label'
  const input = element('input', {
    id: 'usage-cap-input',
    className: 'input',
    type: 'number',
    min: '1',
    step: '1',
    inputMode: 'numeric',
    placeholder: 'No cap',
  })
  const save = element('button', { type: 'submit', className: 'button small', textContent: 'Save cap' })
  const remove = element('button', {
    type: 'button',
    className: 'button small danger',
    textContent: 'Remove cap',
  })
  const problem = element('p', { className: 'usage-error', dataset: { role: 'usage-error' } })
  problem.setAttribute('role', 'alert')
  input.setAttribute('aria-describedby', 'usage-cap-note')
  capLine.id = 'usage-cap-note'
  const form = element('form', { className: 'usage-cap' })
  form.append(label, element('div', { className: 'usage-cap-row' }))
  form.lastElementChild!.append(input, save, remove)
  container.className = 'usage'
  container.setAttribute('aria-labelledby', 'usage-title')
  container.replaceChildren(title, figures, capLine, form, problem)

  let cap: Budget | undefined
  const show = (usage: MonthUsage) => {
    cap = usage.cap
    figures.textContent = describeUsage(usage)
    capLine.textContent = describeCap(cap)
    remove.disabled = !cap
    if (document.activeElement !== input) input.value = cap?.max_requests?.toString() ?? ''
  }
  const fail = (what: string, error: unknown) => {
    const reason = error instanceof Error ? error.message.replace(/\.?$/, '.') : ''
    problem.textContent = `Couldn't ${what}. ${reason}`.trim()
    input.setAttribute('aria-invalid', 'true')
  }
  const settle = () => {
    problem.textContent = ''
    input.removeAttribute('aria-invalid')
  }

  async function refresh() {
    try {
      show(await loadMonthUsage(client))
      settle()
    } catch (error) {
      fail('load this month’s usage', error)
    }
  }

  async function run(what: string, action: () => Promise<unknown>) {
    save.disabled = remove.disabled = true
    try {
      await action()
      settle()
      await refresh()
    } catch (error) {
      fail(what, error)
    } finally {
      save.disabled = false
      remove.disabled = !cap
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const raw = input.value.trim()
    if (raw === '') return removeCap()
    const max = Number(raw)
    if (!Number.isSafeInteger(max) || max < 1) {
      problem.textContent = 'Enter a whole number of requests, 1 or more, or leave it empty for no cap.'
      input.setAttribute('aria-invalid', 'true')
      return
    }
    // Setting a budget replaces all its caps: keep token caps set through the API.
    const tokens = {
      max_input_tokens: cap?.max_input_tokens ?? null,
      max_output_tokens: cap?.max_output_tokens ?? null,
    }
    void run('save the cap', () => client.setBudget({ period: 'month', max_requests: max, ...tokens }))
  })
  remove.addEventListener('click', () => {
    input.value = ''
    removeCap()
  })

  function removeCap() {
    const current = cap
    if (!current) return
    const keepsTokenCaps = current.max_input_tokens !== null || current.max_output_tokens !== null
    void run('remove the cap', () =>
      keepsTokenCaps
        ? client.setBudget({
            period: 'month',
            max_requests: null,
            max_input_tokens: current.max_input_tokens,
            max_output_tokens: current.max_output_tokens,
          })
        : client.deleteBudget(current.id),
    )
  }

  return {
    refresh,
    clear() {
      cap = undefined
      figures.textContent = '—'
      capLine.textContent = '\u00a0'
      input.value = ''
      remove.disabled = true
      settle()
    },
  }
}
