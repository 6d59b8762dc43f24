import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import { cliEnv, connectByokMcp, copyCommittedFixture, runByok, snapshotBytes } from './helpers.js'

const FIXTURE_KEYS = ['sk-test-fixture-not-a-real-key', 'AIza-fixture-not-a-real-key']
/** What an agent's context pays per integrate_project call (the JSON-RPC result as the client receives it). */
const INTEGRATE_BUDGET_BYTES = 2_048

interface CliReport {
  framework: string
  files: { path: string; status: string; diff: string }[]
  manual: unknown[]
}

/** What the CLI's full report says the plan changes: every modified file, by path. */
function changedPaths(report: CliReport): string[] {
  return report.files
    .filter((f) => f.status === 'modified')
    .map((f) => f.path)
    .sort()
}

/** The same from the agent report: edited files (with hunks), added files (names), manifests (`path: summary`). */
function agentPaths(report: Record<string, unknown>): string[] {
  const edited = (report.edited as { path: string }[]).map((f) => f.path)
  const manifests = (report.manifests as string[]).map((line) => line.slice(0, line.indexOf(': ')))
  return [...edited, ...(report.added as string[]), ...manifests].sort()
}

// integrate_project (through the real `byok mcp` process) against `byok integrate` (the bin as a process), each on
// its own committed copy of the same fixture: one flow, so the same plan, and applying writes the same bytes.
describe.each(['vite-react-openai-sdk', 'plain-fetch-gemini'])(
  'integrate_project ≡ byok integrate (%s)',
  (fixture) => {
    it('same dry-run report as `byok integrate --dry-run --json`, and byte-identical files when applied', () =>
      withTempDir(async (root) => {
        const viaMcp = join(root, 'via-mcp')
        const viaCli = join(root, 'via-cli')
        mkdirSync(join(root, 'home'))
        copyCommittedFixture(fixture, viaMcp)
        copyCommittedFixture(fixture, viaCli)
        const env = cliEnv(join(root, 'home'))
        const mcp = await connectByokMcp(root, env)
        const transcript: CallToolResult[] = []
        try {
          const dry = (await mcp.client.callTool({
            name: 'integrate_project',
            arguments: { path: 'via-mcp' },
          })) as CallToolResult
          transcript.push(dry)
          expect(dry.isError, JSON.stringify(dry.content)).toBeFalsy()
          const cliDry = await runByok(['integrate', 'via-cli', '--dry-run', '--json'], { cwd: root, env })
          expect(cliDry.code, cliDry.stderr).toBe(0)
          const cliReport = JSON.parse(cliDry.stdout) as CliReport
          expect(cliReport.files.some((f) => f.status === 'modified')).toBe(true)
          const agent = dry.structuredContent as Record<string, unknown>
          expect(agent).toMatchObject({ result: 'dry_run', framework: (cliReport as CliReport).framework })
          expect(agentPaths(agent)).toEqual(changedPaths(cliReport as CliReport))
          // Edited files carry their hunks (the CLI's diff without the ---/+++ header); added files only a name.
          for (const file of agent.edited as { path: string; hunks: string }[]) {
            const diff = (cliReport as CliReport).files.find((f) => f.path === file.path)!.diff
            expect(diff.split('\n').slice(2).join('\n').trimEnd()).toBe(file.hunks)
          }
          // Config files the codemod only adds to are one line each, not hunks: the dependency, the relay URL.
          const manifests = agent.manifests as string[]
          const manifest = (cliReport as CliReport).files.find(
            (f) => f.path === 'package.json' && f.status === 'modified',
          )
          if (manifest) {
            expect(manifests).toContain('package.json: adds "@byok/client": "^0.1.0" to dependencies')
            expect(manifest.diff).toMatch(/^\+\s+"@byok\/client": "\^0\.1\.0",?$/m)
          } else {
            expect(manifests.filter((m) => m.startsWith('package.json:'))).toEqual([])
          }
          for (const line of manifests.filter((m) => m.startsWith('.env.example:'))) {
            const diff = (cliReport as CliReport).files.find((f) => f.path === '.env.example')!.diff
            expect(diff).not.toMatch(/^-[^-]/m)
            for (const added of line.slice('.env.example: adds '.length).split(', ')) {
              expect(diff).toContain(`+${added}\n`)
            }
          }
          expect((agent.manual as unknown[]).length).toBe((cliReport as CliReport).manual.length)
          // A dry run writes nothing.
          expect(snapshotBytes(viaMcp)).toEqual(snapshotBytes(viaCli))

          const applied = (await mcp.client.callTool({
            name: 'integrate_project',
            arguments: { path: 'via-mcp', apply: true },
          })) as CallToolResult
          transcript.push(applied)
          const sizes = [dry, applied].map((r) => Buffer.byteLength(JSON.stringify(r)))
          console.info(
            `integrate_project result sizes (${fixture}, dry run / apply): ${sizes.join(' / ')} bytes`,
          )
          for (const bytes of sizes) expect(bytes).toBeLessThan(INTEGRATE_BUDGET_BYTES)
          expect(applied.isError, JSON.stringify(applied.content)).toBeFalsy()
          expect(applied.structuredContent).toMatchObject({ applied: true })
          // The CLI pointed at the same relay the MCP server uses, so the .env it writes is the same too.
          const cliApply = await runByok(
            ['integrate', 'via-cli', '--yes', '--json', '--relay-url', mcp.relayUrl],
            { cwd: root, env },
          )
          expect(cliApply.code, cliApply.stderr).toBe(0)
          expect(agentPaths(applied.structuredContent as Record<string, unknown>)).toEqual(
            changedPaths(JSON.parse(cliApply.stdout) as CliReport),
          )
          const mcpFiles = snapshotBytes(viaMcp)
          const cliFiles = snapshotBytes(viaCli)
          expect(Object.keys(mcpFiles).sort()).toEqual(Object.keys(cliFiles).sort())
          for (const [path, bytes] of Object.entries(cliFiles)) {
            expect(mcpFiles[path]?.equals(bytes), path).toBe(true)
          }
        } finally {
          await mcp.close()
        }
        const everything = JSON.stringify(transcript) + mcp.stderr()
        for (const key of FIXTURE_KEYS) expect(everything).not.toContain(key)
      }))
  },
)
