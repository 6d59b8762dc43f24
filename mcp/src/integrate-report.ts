import { z } from 'zod'

// Loose objects: a field the codemod adds later must not turn a good answer into a schema failure on the client.
/** integrate_project's output schema: the CLI's agent report (`toAgentReport` in cli/src/integrate-flow.ts). */
export const reportSchema = {
  result: z.enum(['applied', 'dry_run', 'not_applied', 'cancelled', 'nothing_to_change']),
  applied: z.boolean(),
  project_dir: z.string(),
  framework: z.string(),
  counts: z.record(z.string(), z.number()),
  edited: z
    .array(z.looseObject({ path: z.string(), hunks: z.string() }))
    .describe('Existing files the codemod edits, with their diff hunks'),
  added: z.array(z.string()).describe('Files the codemod adds (names only; detail: true shows them)'),
  manifests: z
    .array(z.string())
    .describe(
      'package.json files the codemod edits, each with a one-line summary (detail: true shows the diff)',
    ),
  found: z.array(
    z.looseObject({ at: z.string(), provider: z.string(), kind: z.string(), key_from: z.string() }),
  ),
  manual: z.array(z.looseObject({ at: z.string(), reason: z.string(), suggestion: z.string() })),
  server_side: z
    .array(z.string())
    .optional()
    .describe(
      'Provider calls in server code, left alone (the key stays on the server): "file:line provider (why)"',
    ),
  errors: z.array(z.looseObject({ path: z.string(), error: z.string() })),
  leaked_env_keys: z.array(z.string()),
  next: z.array(z.string()),
  diffs: z.array(z.looseObject({ path: z.string(), diff: z.string() })).optional(),
}

/**
 * The CLI's integrate report for agents: outcome first, edited files with their hunks, added files by name, and the
 * full diffs only with `detail`. One shape: the CLI builds it, `integrate_project` returns it.
 */
export type IntegrateReport = z.infer<z.ZodObject<typeof reportSchema>>
