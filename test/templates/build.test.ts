import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runByok, withTempDir } from '../../cli/test/helpers.js'
import { readTemplates, run, TEMPLATES_DIR } from './helpers.js'

// Every bundled template, scaffolded through the CLI (a real process, bundled source) into a temp dir outside the
// workspace, then installed from the registry, type-checked and built the way its README says. With a warm npm
// cache each takes 10–30 s. BYOK_TEST_TEMPLATES=react,vanilla narrows the set (e.g. on a cold cache).
const only = process.env.BYOK_TEST_TEMPLATES?.split(',').map((s) => s.trim())
const templates = readTemplates().filter((t) => !only || only.includes(t.name))

/** What a production build leaves behind. */
const BUILD_OUTPUT: Record<string, string> = { next: '.next/BUILD_ID' }

describe.each(templates)('template $name', ({ name, env }) => {
  it('scaffolds through the CLI, installs on its own, type-checks and builds', async () => {
    await withTempDir(async (cwd) => {
      const created = await runByok(['create', 'app', '--template', name, '--no-install'], { cwd })
      expect(created.code, created.stderr).toBe(0)
      const dir = join(cwd, 'app')
      expect(readFileSync(join(dir, '.env'), 'utf8')).toContain(`${env}="http://127.0.0.1:3000"`)
      // The shared chat code is copied in from templates/shared; the client is the @byok/client package, which a
      // CLI run from this checkout packs beside package.json (it is not on the registry before it is published).
      expect(readFileSync(join(dir, 'src/lib/session.ts'), 'utf8')).toBe(
        readFileSync(join(TEMPLATES_DIR, 'shared/lib/session.ts'), 'utf8'),
      )
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>
      }
      expect(pkg.dependencies['@byok/client']).toMatch(/^file:\.\/byok-client-\d+\.\d+\.\d+\.tgz$/)
      expect(existsSync(join(dir, pkg.dependencies['@byok/client']!.slice('file:'.length)))).toBe(true)
      const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: dir,
      })
      const typecheck = await run('npm', ['run', 'typecheck'], { cwd: dir })
      const build = await run('npm', ['run', 'build'], { cwd: dir })
      expect(existsSync(join(dir, BUILD_OUTPUT[name] ?? 'dist/index.html')), build.output).toBe(true)
      console.info(
        `template ${name}: install ${install.seconds.toFixed(1)}s, typecheck ${typecheck.seconds.toFixed(1)}s, build ${build.seconds.toFixed(1)}s`,
      )
    })
  })
})
