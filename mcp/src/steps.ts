/**
 * The one definition of the order in which an agent uses the byok tools. The `integrate-byok` prompt is rendered
 * from it, each tool's "Next:" comes from it, and the skill (skill/SKILL.md, references/mcp.md) is tested against
 * `renderStepOrder()`.
 */
type ToolName =
  | 'relay_health'
  | 'integrate_project'
  | 'scaffold_project'
  | 'register_user'
  | 'store_key'
  | 'test_relay'

export interface AgentStep {
  /** Stable id for `nextAfter`. */
  readonly id: 'health' | 'plan' | 'apply' | 'scaffold' | 'register' | 'store' | 'test'
  readonly tool: ToolName
  /** How the step is called, shown after the tool name (`dry run`, `apply: true`, `key_env`). */
  readonly how?: string
  /** Which app the step is for: an existing one, a new one, or both. */
  readonly app: 'existing' | 'new' | 'both'
  /** What the step is for, one line. */
  readonly why: string
}

export const AGENT_STEPS: readonly AgentStep[] = [
  { id: 'health', tool: 'relay_health', app: 'both', why: 'confirm the relay answers' },
  {
    id: 'plan',
    tool: 'integrate_project',
    how: 'dry run',
    app: 'existing',
    why: 'show the user the edits and every manual item',
  },
  {
    id: 'apply',
    tool: 'integrate_project',
    how: 'apply: true',
    app: 'existing',
    why: 'write the edits once the user agrees and the git tree is committed',
  },
  {
    id: 'scaffold',
    tool: 'scaffold_project',
    app: 'new',
    why: 'create the app from a template, its .env pointing at the relay',
  },
  {
    id: 'register',
    tool: 'register_user',
    app: 'both',
    why: 'get a relay token, remembered for this session',
  },
  {
    id: 'store',
    tool: 'store_key',
    how: 'key_env',
    app: 'both',
    why: 'store the key from the MCP server’s environment, never pasted into the chat',
  },
  { id: 'test', tool: 'test_relay', app: 'both', why: 'one tiny real round trip through the relay' },
]

function label(step: AgentStep): string {
  return step.how ? `${step.tool} (${step.how})` : step.tool
}

/** The steps for one kind of app, in order. */
export function stepsFor(app: 'existing' | 'new'): AgentStep[] {
  return AGENT_STEPS.filter((s) => s.app === 'both' || s.app === app)
}

/**
 * The order as one line, the form the skill states it in:
 * `relay_health → integrate_project (dry run) → integrate_project (apply: true) → register_user → …`.
 */
export function renderStepOrder(app: 'existing' | 'new'): string {
  return stepsFor(app).map(label).join(' → ')
}

/** "Next: register_user (get a relay token…)." after `id`, for the app kind the step belongs to. */
export function nextAfter(id: AgentStep['id'], app: 'existing' | 'new' = 'existing'): string {
  const steps = stepsFor(app)
  const index = steps.findIndex((s) => s.id === id)
  const next = steps[index + 1]
  return next ? `Next: ${label(next)} — ${next.why}.` : 'Done: the setup works end to end.'
}
