import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PUBLISHED_PACKAGES, REPO_ROOT } from './packages.js'

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
}

/** The `packages:` globs of pnpm-workspace.yaml (plain paths here, no wildcards). */
function workspacePackageDirs(): string[] {
  const yaml = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8')
  const block = yaml.match(/^packages:\n((?: {2}- .*\n)+)/m)?.[1] ?? ''
  return [...block.matchAll(/^ {2}- (.+)$/gm)].map((m) => m[1]!.trim().replace(/^['"]|['"]$/g, ''))
}

describe('pnpm release:dry', () => {
  it('publishes exactly the packages test/packaging installs: every non-private workspace package', () => {
    const script = (readJson(join(REPO_ROOT, 'package.json')).scripts as Record<string, string>)[
      'release:dry'
    ]
    const published = PUBLISHED_PACKAGES.map((p) => p.name)
    // Two steps over the same packages: every tarball's file list, then what publish would send where.
    const steps = (script ?? '').split(' && ')
    expect(steps.map((step) => step.replace(/ --filter \S+/g, ''))).toEqual([
      'pnpm pack --dry-run',
      'pnpm publish --dry-run --no-git-checks',
    ])
    for (const step of steps) {
      const filtered = [...step.matchAll(/--filter (\S+)/g)].map((m) => m[1])
      expect(filtered.sort()).toEqual([...published].sort())
    }
    const publishable = workspacePackageDirs()
      .map((dir) => readJson(join(REPO_ROOT, dir, 'package.json')))
      .filter((pkg) => pkg.private !== true)
      .map((pkg) => pkg.name)
    expect(publishable.sort()).toEqual([...published].sort())
  })

  it.each(PUBLISHED_PACKAGES)('$name is public on first publish', ({ name, dir }) => {
    const pkg = readJson(join(REPO_ROOT, dir, 'package.json'))
    if (name.startsWith('@')) expect((pkg.publishConfig as { access?: string }).access).toBe('public')
    expect(pkg.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE']))
  })
})
