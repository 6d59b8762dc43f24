import { execFileSync } from 'node:child_process'
import type { IntegrationPlan } from './run.js'

/** What `byok integrate --json` prints and the MCP `integrate_project` tool returns: the plan without file contents. */
export function toIntegrationReport(plan: IntegrationPlan, applied: boolean) {
  const { writes: _writes, ...report } = plan
  return { ...report, applied }
}

export type IntegrationReport = ReturnType<typeof toIntegrationReport>

/** `git status --porcelain` scoped to `dir` (empty = clean); undefined when `dir` is not in a git repository. */
export function readGitStatus(dir: string): string | undefined {
  try {
    return execFileSync('git', ['status', '--porcelain', '--', '.'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    })
  } catch {
    return undefined // not a repository, or no git: nothing to protect
  }
}
