import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type FoundSink, type IntegrationPlan, planIntegration } from '../codemod/run.js'

/** Files that make a directory an app: a template must never be written over them. */
const PROJECT_MARKERS = ['package.json', 'index.html', 'manifest.json'] as const

export function isExistingProject(dir: string): boolean {
  return PROJECT_MARKERS.some((name) => existsSync(join(dir, name)))
}

/**
 * The app already in `dir`, as the codemod sees it (framework, provider calls found, and the plan), or undefined
 * when `dir` holds no project (missing, empty, or files that are not an app).
 */
export function findExistingProject(
  dir: string,
  templatesDir: string,
): { framework: string; found: readonly FoundSink[]; plan: IntegrationPlan } | undefined {
  if (!isExistingProject(dir)) return undefined
  const plan = planIntegration(dir, { templatesDir })
  return { framework: plan.framework, found: plan.found, plan }
}
