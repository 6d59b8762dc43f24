import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../readme.js'
import { readTemplates, run, TEMPLATES_DIR, userEnv } from './helpers.js'

const PNPM = 'pnpm@12.4.2'

// esbuild (under Vite) has an install script. yarn runs it; npm 11 runs it but warns unless package.json's
// "allowScripts" names it; pnpm 12 refuses to install until it is allowed in pnpm-workspace.yaml (package.json's
// "pnpm" field is no longer read); bun reads "trustedDependencies".
describe('template build-script allowances', () => {
  const vite = readTemplates().filter((t) => {
    const pkg = JSON.parse(readFileSync(join(TEMPLATES_DIR, t.name, 'package.json'), 'utf8')) as {
      devDependencies?: Record<string, string>
    }
    return pkg.devDependencies?.vite !== undefined
  })

  it.each(vite.map((t) => t.name))('%s allows esbuild for npm, pnpm 12 and bun', (name) => {
    const yaml = readFileSync(join(TEMPLATES_DIR, name, 'pnpm-workspace.yaml'), 'utf8')
    expect(yaml).toMatch(/^allowBuilds:\n {2}esbuild: true$/m)
    const pkg = JSON.parse(readFileSync(join(TEMPLATES_DIR, name, 'package.json'), 'utf8')) as {
      trustedDependencies?: string[]
      allowScripts?: Record<string, boolean>
    }
    expect(pkg.trustedDependencies).toContain('esbuild')
    expect(pkg.allowScripts).toEqual({ esbuild: true })
  })
})

// The issue's own repro: `npx -y pnpm@12.4.2 byok create my-app --template react --yes` from a checkout installs
// with pnpm 12, then the printed commands run. `pnpm` on PATH is a shim for `npx -y pnpm@12.4.2`, as a user who
// has pnpm 12 installed would have it.
describe('react template with pnpm 12', () => {
  it('scaffolds and installs through pnpm, leaves no undecided allowance, and the printed commands work', async () => {
    await withTempDir(async (cwd) => {
      const bin = join(cwd, 'bin')
      mkdirSync(bin)
      writeFileSync(join(bin, 'pnpm'), `#!/bin/sh\nexec npx -y ${PNPM} "$@"\n`)
      chmodSync(join(bin, 'pnpm'), 0o755)
      const env = userEnv({
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        COREPACK_INTEGRITY_KEYS: '0',
      })
      const app = join(cwd, 'my-app')
      const created = await run('npx', ['-y', PNPM, 'byok', 'create', app, '--template', 'react', '--yes'], {
        cwd: REPO_ROOT,
        env,
      })
      expect(created.output).toContain('byok: installing dependencies with pnpm')
      expect(created.output).toMatch(/byok: dependencies installed in [\d.]+s/)
      const printed = created.output
        .split('\n')
        .filter((line) => line.startsWith('  '))
        .map((line) => line.trim())
      expect(printed).toContain('pnpm dev')
      expect(readFileSync(join(app, 'pnpm-workspace.yaml'), 'utf8')).not.toContain('set this to')

      // The printed hint when a user re-installs, then the build the app's README names.
      await run('pnpm', ['install'], { cwd: app, env })
      const build = await run('pnpm', ['run', 'build'], { cwd: app, env })
      expect(existsSync(join(app, 'dist/index.html')), build.output).toBe(true)
      expect(readFileSync(join(app, 'pnpm-workspace.yaml'), 'utf8')).not.toContain('set this to')
    })
  })
})
