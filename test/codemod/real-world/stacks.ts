import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run, userEnv } from '../../templates/helpers.js'
import { type CorpusProject, projectFiles } from './projects.js'

/**
 * One dependency install per stack, shared by all its projects: the union of the projects' package.json
 * dependencies is installed once into `<cache>/<stack>-<hash>/node_modules`, and each project is copied *below*
 * that folder, so Node, TypeScript, bundlers and linters find the packages by walking up, with no symlinks for a
 * bundler to trip over. The folder is reused while the dependency set is the same.
 */
export const STACK_CACHE = process.env.BYOK_CORPUS_CACHE ?? join(tmpdir(), 'byok-corpus-stacks')

export interface Stack {
  readonly name: string
  readonly dir: string
  /** Seconds spent installing (0 when the cached install was reused). */
  readonly installSeconds: number
  /** The stack's direct dependencies (to find the SDKs' own provider hosts). */
  readonly packages: readonly string[]
}

type Deps = Record<string, string>

/** Every package.json of a project (a monorepo has several); workspace links are the monorepo's own business. */
function projectDependencies(project: CorpusProject): Deps {
  const deps: Deps = {}
  for (const [path, from] of projectFiles(project)) {
    if (!path.endsWith('package.json')) continue
    const pkg = JSON.parse(readFileSync(from, 'utf8')) as { dependencies?: Deps; devDependencies?: Deps }
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (range.startsWith('workspace:')) continue
      if (deps[name] && deps[name] !== range)
        throw new Error(`${project.name}: ${name} is both ${deps[name]} and ${range} in one stack`)
      deps[name] = range
    }
  }
  return deps
}

/** The union of the projects' dependencies; two projects of one stack must agree on every range. */
export function stackDependencies(name: string, projects: readonly CorpusProject[]): Deps {
  const union: Deps = {}
  for (const project of projects.filter((p) => p.stack === name)) {
    for (const [dep, range] of Object.entries(projectDependencies(project))) {
      if (union[dep] && union[dep] !== range)
        throw new Error(
          `stack ${name}: ${dep} is ${union[dep]} in one project and ${range} in ${project.name}`,
        )
      union[dep] = range
    }
  }
  return union
}

const installing = new Map<string, Promise<Stack>>()

/**
 * The installed stack, installing it first when needed (`npm install --prefer-offline`, the npm cache first), with
 * the packed @byok/client unpacked into its node_modules on every run: integrated projects import it, it has no
 * dependencies, and it never comes from a registry.
 */
export function ensureStack(
  name: string,
  projects: readonly CorpusProject[],
  clientTarball: string,
): Promise<Stack> {
  let pending = installing.get(name)
  if (!pending) {
    pending = install(name, projects).then(async (stack) => {
      const target = join(stack.dir, 'node_modules', '@byok', 'client')
      rmSync(target, { recursive: true, force: true })
      mkdirSync(target, { recursive: true })
      await run('tar', ['-xzf', clientTarball, '--strip-components=1', '-C', target], { cwd: stack.dir })
      return stack
    })
    installing.set(name, pending)
  }
  return pending
}

async function install(name: string, projects: readonly CorpusProject[]): Promise<Stack> {
  const deps = stackDependencies(name, projects)
  const packages = Object.keys(deps)
  const hash = createHash('sha256').update(JSON.stringify(deps)).digest('hex').slice(0, 12)
  const dir = join(STACK_CACHE, `${name}-${hash}`)
  const marker = join(dir, '.installed')
  if (existsSync(marker)) return { name, dir, installSeconds: 0, packages }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `corpus-stack-${name}`, private: true, dependencies: deps }, null, 2)}\n`,
  )
  const { seconds } = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    { cwd: dir, env: userEnv() },
  )
  writeFileSync(marker, `${new Date().toISOString()}\n`)
  return { name, dir, installSeconds: seconds, packages }
}
