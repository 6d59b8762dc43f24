import { withTempDir, writeFiles } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { auditProject } from '../../src/codemod/report.js'
import { applyIntegration, planIntegration } from '../../src/codemod/run.js'
import { stubTemplatesDir } from './helpers.js'

const templatesDir = stubTemplatesDir()
// Built at run time so no key-shaped literal sits in this repository.
const GEMINI = ['AIza', 'SyExampleExampleExample0000000'].join('')
const OPENAI = ['sk', 'proj', 'exampleexampleexample00'].join('-')

/** The manual items and doctor's failing findings, as `file:line` (they must agree). */
function manualAndFailures(dir: string): { manual: string[]; failures: string[] } {
  const plan = planIntegration(dir, { templatesDir })
  const audit = auditProject(dir, templatesDir)
  return {
    manual: plan.manual.map((m) => `${m.file}:${m.line}`),
    failures: audit.findings.filter((f) => f.severity === 'fail').map((f) => `${f.file}:${f.line}`),
  }
}

describe('a literal provider key left in browser code is manual work, and doctor agrees', () => {
  it('an exported Gemini key imported by the module that calls Gemini (before and after the rewrite)', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': JSON.stringify({ name: 'mods', devDependencies: { vite: '6' } }),
        'src/config.ts': `export const GEMINI_API_KEY = '${GEMINI}'\n`,
        'src/gemini.ts': [
          "import { GEMINI_API_KEY } from './config'",
          'export const ask = (body: string) =>',
          "  fetch('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent', {",
          "    method: 'POST',",
          "    headers: { 'x-goog-api-key': GEMINI_API_KEY },",
          '    body,',
          '  })',
          '',
        ].join('\n'),
      })
      const plan = planIntegration(dir, { templatesDir })
      const item = plan.manual.find((m) => m.file === 'src/config.ts')
      expect(item).toMatchObject({ line: 1, reason: expect.stringContaining('AIza…') })
      expect(item?.suggestion).toMatch(/Remove it and rotate the key/)
      expect(JSON.stringify(plan.manual)).not.toContain(GEMINI)
      applyIntegration(plan)
      const after = manualAndFailures(dir)
      expect(after.manual).toEqual(['src/config.ts:1'])
      expect(after.failures).toEqual(after.manual)
    }))

  it('a key in one classic script read as a global by another', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'index.html':
          '<!doctype html><html><body><script src="config.js"></script><script src="app.js"></script></body></html>\n',
        'config.js': `// settings\nconst OPENAI_API_KEY = "${OPENAI}";\n`,
        'app.js': [
          'async function ask(prompt) {',
          '  const res = await fetch("https://api.openai.com/v1/chat/completions", {',
          '    method: "POST",',
          '    headers: { "Content-Type": "application/json", "Authorization": "Bearer " + OPENAI_API_KEY },',
          '    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: prompt }] }),',
          '  });',
          '  return res.json();',
          '}',
          '',
        ].join('\n'),
      })
      applyIntegration(planIntegration(dir, { templatesDir }))
      const after = manualAndFailures(dir)
      expect(after.manual).toContain('config.js:2')
      expect(after.failures).toEqual(after.manual)
    }))

  it('must not report a Firebase web config key or a Maps key, and doctor does not fail on them', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': JSON.stringify({ name: 'maps', devDependencies: { vite: '6' } }),
        'src/firebase.ts': `export const firebaseConfig = { apiKey: '${GEMINI}', authDomain: 'x.firebaseapp.com' }\n`,
        'src/maps.ts': `export const MAPS_KEY = '${GEMINI}'\n`,
      })
      const result = manualAndFailures(dir)
      expect(result).toEqual({ manual: [], failures: [] })
    }))
})
