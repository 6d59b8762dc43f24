import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { withTempDir } from '../../cli/test/helpers.js'
import type { CallToolResult } from '../../mcp/test/stdio-client.js'
import { cliEnv, connectByokMcp, copyCommittedFixture, runByok, snapshotBytes } from './helpers.js'

const FIXTURE_KEYS = ['sk-test-fixture-not-a-real-key', 'AIza-fixture-not-a-real-key']

/** The report with the one absolute path in it (`projectDir`) replaced, so two copies compare equal. */
function normalise(report: unknown, projectDir: string): unknown {
  return JSON.parse(JSON.stringify(report).replaceAll(JSON.stringify(projectDir).slice(1, -1), '<project>'))
}

// integrate_project (through the real `byok mcp` process) against `byok integrate` (the bin as a process), each on
// its own committed copy of the same fixture: the plan must be the same, and applying must write the same bytes.
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
          const cliReport = JSON.parse(cliDry.stdout) as { files: { status: string }[] }
          expect(cliReport.files.some((f) => f.status === 'modified')).toBe(true)
          expect(normalise(dry.structuredContent, viaMcp)).toEqual(normalise(cliReport, viaCli))
          // A dry run writes nothing.
          expect(snapshotBytes(viaMcp)).toEqual(snapshotBytes(viaCli))

          const applied = (await mcp.client.callTool({
            name: 'integrate_project',
            arguments: { path: 'via-mcp', apply: true },
          })) as CallToolResult
          transcript.push(applied)
          expect(applied.isError, JSON.stringify(applied.content)).toBeFalsy()
          expect(applied.structuredContent).toMatchObject({ applied: true })
          const cliApply = await runByok(['integrate', 'via-cli', '--yes', '--json'], { cwd: root, env })
          expect(cliApply.code, cliApply.stderr).toBe(0)
          expect(normalise(applied.structuredContent, viaMcp)).toEqual(
            normalise(JSON.parse(cliApply.stdout), viaCli),
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
