import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineCommand } from 'citty'
import { auditProject, type ProjectAudit, type ProjectFinding } from '../codemod/report.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { resolveTemplatesDir } from '../scaffold/registry.js'

/** `warn` passes (exit 0) but is printed: provider keys in `.env*` files, files that could not be read. */
type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

interface CheckResult {
  readonly id: 'health' | 'version' | 'cors' | 'keys' | 'project'
  readonly status: CheckStatus
  readonly detail: string
  readonly hint?: string
  /** The project check's findings, one per file:line. */
  readonly findings?: readonly ProjectFinding[]
}

interface DoctorDeps {
  readonly fetch: typeof fetch
  /** Per request. */
  readonly timeoutMs: number
}

type Check = Omit<CheckResult, 'id'>

async function getJson(
  deps: DoctorDeps,
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | undefined }> {
  const res = await deps.fetch(url, { ...init, signal: AbortSignal.timeout(deps.timeoutMs) })
  const text = await res.text()
  let body: Record<string, unknown> | undefined
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {}
  return { status: res.status, headers: res.headers, body }
}

function unreachable(url: string, error: unknown): Check {
  const reason =
    error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)
  return {
    status: 'fail',
    detail: `cannot reach ${url}: ${reason}`,
    hint: 'Is the relay running, and is --relay-url its public address (scheme, host, port)?',
  }
}

async function checkHealth(deps: DoctorDeps, base: string): Promise<Check> {
  try {
    const { status, body } = await getJson(deps, `${base}/health?deep=1`)
    if (status === 200 && body?.ok === true) {
      return { status: 'pass', detail: `ok (${String(body.mode)} mode, store and keyring round trips pass)` }
    }
    const failing = Object.entries((body?.checks as Record<string, string> | undefined) ?? {})
      .filter(([, v]) => v !== 'ok')
      .map(([k]) => k)
    return {
      status: 'fail',
      detail: `GET /health?deep=1 answered ${status}${failing.length ? ` (failing: ${failing.join(', ')})` : ''}`,
      hint: 'Read the relay log: a store failure is logged with its cause.',
    }
  } catch (error) {
    return unreachable(base, error)
  }
}

async function checkVersion(deps: DoctorDeps, base: string): Promise<Check> {
  try {
    const { status, body } = await getJson(deps, `${base}/version`)
    if (status === 200 && body?.name === 'byok-relay' && typeof body.version === 'string') {
      return { status: 'pass', detail: `byok-relay ${body.version} (API ${String(body.api)})` }
    }
    return {
      status: 'fail',
      detail: `GET /version answered ${status} without a byok-relay version`,
      hint: 'Is --relay-url pointing at a byok relay (and not at the app or a proxy error page)?',
    }
  } catch (error) {
    return unreachable(base, error)
  }
}

/** The preflight a browser on `origin` sends before a relay call with a token. */
async function checkCors(deps: DoctorDeps, base: string, origin: string): Promise<Check> {
  try {
    const res = await deps.fetch(`${base}/relay/openai/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-relay-token',
      },
      signal: AbortSignal.timeout(deps.timeoutMs),
    })
    await res.arrayBuffer()
    const allowOrigin = res.headers.get('access-control-allow-origin')
    const allowHeaders = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase()
    if (allowOrigin !== origin && allowOrigin !== '*') {
      return {
        status: 'fail',
        detail: `a page on ${origin} is blocked by CORS (preflight answered ${res.status} without Access-Control-Allow-Origin for it)`,
        hint: `Add ${origin} to ALLOWED_ORIGINS on the relay and restart it.`,
      }
    }
    if (!allowHeaders.includes('x-relay-token')) {
      return {
        status: 'fail',
        detail: 'the preflight does not allow the x-relay-token header',
        hint: 'A proxy in front of the relay may be answering OPTIONS itself; let the relay answer preflights.',
      }
    }
    return {
      status: 'pass',
      detail: `${origin} may call the relay${allowOrigin === '*' ? ' (ALLOWED_ORIGINS is *: so may every other origin)' : ''}`,
    }
  } catch (error) {
    return unreachable(base, error)
  }
}

async function checkKeys(deps: DoctorDeps, base: string, token: string): Promise<Check> {
  try {
    const { status, body } = await getJson(deps, `${base}/keys`, { headers: { 'x-relay-token': token } })
    if (status === 200 && Array.isArray(body?.providers)) {
      const providers = body.providers as string[]
      return {
        status: 'pass',
        detail: `token accepted; keys stored for ${providers.length === 0 ? 'no provider yet' : providers.join(', ')}`,
      }
    }
    return {
      status: 'fail',
      detail: `GET /keys answered ${status}${typeof body?.code === 'string' ? ` ${body.code}` : ''}`,
      hint:
        typeof body?.hint === 'string' ? body.hint : 'Check the token (from POST /users) and the relay URL.',
    }
  } catch (error) {
    return unreachable(base, error)
  }
}

/** The project check: any provider call or key left in browser code fails it; env-file keys only warn. */
function checkProject(dir: string, audit: ProjectAudit): Check & { findings: readonly ProjectFinding[] } {
  const { findings } = audit
  const failures = findings.filter((f) => f.severity === 'fail')
  const warnings = findings.length - failures.length
  if (failures.length > 0) {
    const files = [...new Set(failures.map((f) => f.file))]
    return {
      status: 'fail',
      detail: `${failures.length} item(s) left in browser code: provider calls, provider keys or manual work (${files.length} file(s))`,
      hint: `Run byok integrate ${dir} (--dry-run first to see the diff); fix what it lists under "Needs manual work" (each with file:line and what to do), then run byok doctor again.`,
      findings,
    }
  }
  const server = audit.serverSide.length
  const scanned = `${audit.scanned} file(s), ${audit.framework}${server > 0 ? `; ${server} server-side provider use(s): the key stays on your server, fine` : ''}`
  if (warnings > 0) {
    return {
      status: 'warn',
      detail: `no provider calls or keys in browser code (${scanned}); ${warnings} warning(s)`,
      findings,
    }
  }
  return { status: 'pass', detail: `no provider calls or keys in browser code (${scanned})`, findings }
}

/**
 * Runs the checks in order: the project (when `project` is given; it is local and fast), then the relay (health,
 * version, then CORS and keys when asked for) unless `relayUrl` is undefined.
 */
async function runDoctor(
  options: {
    relayUrl?: string
    origin?: string
    token?: string
    project?: { dir: string; audit: ProjectAudit }
  },
  deps: DoctorDeps,
  onResult: (result: CheckResult) => void = () => {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const record = (id: CheckResult['id'], check: Check) => {
    const result = { id, ...check }
    results.push(result)
    onResult(result)
  }
  if (options.project) record('project', checkProject(options.project.dir, options.project.audit))
  if (options.relayUrl === undefined) return results
  const base = options.relayUrl.replace(/\/+$/, '')
  record('health', await checkHealth(deps, base))
  record('version', await checkVersion(deps, base))
  if (options.origin !== undefined) record('cors', await checkCors(deps, base, options.origin))
  if (options.token !== undefined) record('keys', await checkKeys(deps, base, options.token))
  return results
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' }

function parseOrigin(value: string): string {
  try {
    const url = new URL(value)
    if (url.origin !== 'null' && value.replace(/\/$/, '') === url.origin) return url.origin
  } catch {}
  throw new CliError(`--origin "${value}" is not an origin`, {
    hint: 'Use scheme://host[:port], e.g. https://app.example.com',
  })
}

/** Which relay to check: the flag, then BYOK_RELAY_URL, then the one the project's `.env*` points at, then the dev default. */
function resolveRelayUrl(flag: string | undefined, io: CliIo, audit: ProjectAudit | undefined): string {
  const relayUrl = flag || io.env.BYOK_RELAY_URL || audit?.relayUrl || 'http://127.0.0.1:3000'
  try {
    const url = new URL(relayUrl)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)')
  } catch {
    throw new CliError(`--relay-url "${relayUrl}" is not an http(s) URL`)
  }
  return relayUrl
}

function printResult(io: CliIo, result: CheckResult): void {
  io.out(`${MARKS[result.status]} ${result.id.padEnd(8)} ${result.detail}`)
  for (const finding of result.findings ?? []) {
    io.out(
      `    ${finding.severity === 'fail' ? '✗' : '!'} ${finding.file}:${finding.line} ${finding.message}`,
    )
  }
  if (result.status === 'fail' && result.hint) io.out(`  hint: ${result.hint}`)
}

export function createDoctorCommand(
  io: CliIo,
  deps: DoctorDeps = { fetch: globalThis.fetch, timeoutMs: 5_000 },
) {
  return defineCommand({
    meta: {
      name: 'doctor',
      description:
        'Check a project and the relay it points at. With [dir]: every direct provider call or provider key left in ' +
        'browser code (file:line; keys in .env* files are warnings). Relay: health, version, CORS for --origin, and a ' +
        'GET /keys round trip with --token. Exit codes: 0 all checks pass (warnings included), 1 a check failed or bad arguments.',
    },
    args: {
      dir: {
        type: 'positional',
        required: false,
        description: 'Project directory to check (the codemod’s detection, over .ts/.js/.vue/.svelte/.html)',
      },
      'relay-url': {
        type: 'string',
        description:
          "The relay to check (env BYOK_RELAY_URL, else the project's *_BYOK_RELAY_URL, default http://127.0.0.1:3000)",
        valueHint: 'url',
      },
      relay: {
        type: 'boolean',
        default: true,
        description: 'Check the relay too (--no-relay checks only the project)',
      },
      origin: {
        type: 'string',
        description: 'Check that a page on this origin passes CORS',
        valueHint: 'origin',
      },
      token: {
        type: 'string',
        description: 'A relay token, for a GET /keys round trip (env BYOK_RELAY_TOKEN)',
      },
      json: { type: 'boolean', description: 'Print the report as JSON', default: false },
    },
    async run({ args }) {
      const project = args.dir ? { dir: args.dir, audit: auditDir(io, args.dir) } : undefined
      const checkRelay = args.relay !== false
      const relayUrl = checkRelay ? resolveRelayUrl(args['relay-url'], io, project?.audit) : undefined
      const token = args.token || io.env.BYOK_RELAY_TOKEN || undefined
      const origin = args.origin === undefined ? undefined : parseOrigin(args.origin)
      if (!project && !checkRelay) {
        throw new CliError('nothing to check', { hint: 'Give a project directory, or drop --no-relay.' })
      }
      const results = await runDoctor(
        {
          ...(relayUrl !== undefined ? { relayUrl } : {}),
          ...(origin !== undefined ? { origin } : {}),
          ...(token !== undefined ? { token } : {}),
          ...(project ? { project } : {}),
        },
        deps,
        (r) => {
          if (!args.json) printResult(io, r)
        },
      )
      const failed = results.filter((r) => r.status === 'fail')
      if (args.json) {
        io.out(
          JSON.stringify({ ok: failed.length === 0, relay_url: relayUrl ?? null, checks: results }, null, 2),
        )
      }
      if (failed.length > 0) {
        throw new CliError(
          `${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.map((r) => r.id).join(', ')}`,
          {
            code: 'doctor_failed',
          },
        )
      }
      if (!args.json) {
        const warned = results.filter((r) => r.status === 'warn').length
        const passed = results.filter((r) => r.status === 'pass').length + warned
        io.out(`all ${passed} checks passed${warned > 0 ? ` (${warned} with warnings)` : ''}`)
      }
    },
  })
}

function auditDir(io: CliIo, dir: string): ProjectAudit {
  const full = resolve(io.cwd, dir)
  if (!existsSync(full) || !statSync(full).isDirectory()) {
    throw new CliError(`${dir} is not a directory`, {
      code: 'project_missing',
      hint: 'byok doctor [dir] checks a project folder; omit it to check only the relay.',
    })
  }
  return auditProject(full, resolveTemplatesDir(io.env, io.cwd))
}
