import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Env } from '@byok/relay'
import { defineCommand } from 'citty'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'

/** The skill's `name` in skill/SKILL.md, and so the folder every agent loads it from. */
export const SKILL_NAME = 'byok'

/**
 * Where each agent reads project skills, as the `skills` CLI (vercel-labs/skills `agents`) installs them: Claude
 * Code has its own folder; Cursor and Codex share the "universal" `.agents/skills`.
 */
const SKILL_AGENTS = {
  'claude-code': '.claude/skills',
  cursor: '.agents/skills',
  codex: '.agents/skills',
} as const

type SkillAgent = keyof typeof SKILL_AGENTS

// The `skills` CLI copies a skill folder minus these (its EXCLUDE_DIRS / EXCLUDE_FILES); installing by hand must
// produce the same tree, or `skills update`/`check` would see a different skill.
const EXCLUDED_DIRS = new Set(['.git', '__pycache__', '__pypackages__'])
const EXCLUDED_FILES = new Set(['metadata.json'])

// Published: <pkg>/dist/commands → <pkg>/skill (copied in by `prepack`, like templates/). From source in the
// repository: cli/src/commands → <repo>/skill only (cli/skill exists only while `pnpm pack` runs).
const CANDIDATES = import.meta.url.endsWith('.ts')
  ? [new URL('../../../skill/', import.meta.url)]
  : [new URL('../../skill/', import.meta.url)]

/** The skill folder shipped with the CLI, or `BYOK_SKILL_DIR` (development and tests). */
export function resolveSkillDir(env: Env, cwd: string): string {
  if (env.BYOK_SKILL_DIR) {
    const dir = resolve(cwd, env.BYOK_SKILL_DIR)
    if (existsSync(join(dir, 'SKILL.md'))) return dir
    throw new CliError(`BYOK_SKILL_DIR (${dir}) has no SKILL.md`, { code: 'skill_missing' })
  }
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(candidate)
    if (existsSync(join(dir, 'SKILL.md'))) return dir
  }
  throw new CliError('cannot find the bundled skill', {
    code: 'skill_missing',
    hint: 'Reinstall byok, or point BYOK_SKILL_DIR at a skill folder.',
  })
}

/** Every file the skill installs, as sorted POSIX paths relative to `dir`. */
export function listSkillFiles(dir: string): string[] {
  const files: string[] = []
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.has(entry.name)) walk(path)
      } else if (!EXCLUDED_FILES.has(entry.name)) {
        files.push(relative(dir, path).split(sep).join('/'))
      }
    }
  }
  walk(dir)
  return files.sort()
}

/** Same files, same bytes. A missing or non-directory target is never the same. */
function isSameTree(source: string, target: string, files: readonly string[]): boolean {
  if (!existsSync(target) || !statSync(target).isDirectory()) return false
  const present = listSkillFiles(target)
  if (present.length !== files.length || present.some((f, i) => f !== files[i])) return false
  return files.every((f) => readFileSync(join(source, f)).equals(readFileSync(join(target, f))))
}

interface SkillInstallResult {
  readonly agent: SkillAgent
  /** Absolute path of the installed skill folder. */
  readonly dir: string
  readonly status: 'installed' | 'replaced' | 'unchanged'
  readonly files: readonly string[]
}

/**
 * Copies the skill into `<project>/<agent skills dir>/byok`. Different content already there is refused unless
 * `force`; the same content is left alone.
 *
 * @example
 * installSkill({ source: resolveSkillDir(env, cwd), project: cwd, agent: 'claude-code', force: false })
 */
export function installSkill(options: {
  source: string
  project: string
  agent: SkillAgent
  force: boolean
}): SkillInstallResult {
  const { source, project, agent } = options
  const files = listSkillFiles(source)
  const target = join(project, SKILL_AGENTS[agent], SKILL_NAME)
  const exists = existsSync(target) || isSymlink(target)
  if (isSameTree(source, target, files)) return { agent, dir: target, status: 'unchanged', files }
  if (exists && !options.force) {
    throw new CliError(`${target} already exists with different content`, {
      code: 'skill_exists',
      hint: 'Pass --force to replace it (files you added there are removed), or remove it yourself.',
    })
  }
  // Copied beside the target and renamed into place, so a failed copy never leaves half a skill behind.
  const staging = `${target}.${process.pid}.tmp`
  rmSync(staging, { recursive: true, force: true })
  try {
    for (const file of files) {
      mkdirSync(dirname(join(staging, file)), { recursive: true })
      cpSync(join(source, file), join(staging, file))
    }
    mkdirSync(dirname(target), { recursive: true })
    // A symlink (the `skills` CLI links .claude/skills/byok to .agents/skills/byok) is replaced, not followed.
    rmSync(target, { recursive: true, force: true })
    renameSync(staging, target)
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    throw new CliError(`cannot install the skill into ${target}: ${(error as Error).message}`, {
      code: 'skill_install_failed',
      cause: error,
    })
  }
  return { agent, dir: target, status: exists ? 'replaced' : 'installed', files }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

const AGENT_NAMES = Object.keys(SKILL_AGENTS) as SkillAgent[]

export function createSkillCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'skill',
      description:
        'Install the byok agent skill (SKILL.md + references) into a project: `byok skill install`. Same files as `npx skills add`.',
    },
    args: {
      action: {
        type: 'positional',
        required: false,
        description: 'install — copy the skill into the agent’s skills folder',
        valueHint: 'install',
      },
      agent: {
        type: 'string',
        description: `Which agent’s folder: ${AGENT_NAMES.map((a) => `${a} (${SKILL_AGENTS[a]})`).join(', ')}; default claude-code`,
        valueHint: 'agent',
      },
      dir: {
        type: 'string',
        description: 'Project directory to install into (default: the current directory)',
        valueHint: 'project',
      },
      force: { type: 'boolean', description: 'Replace an installed skill whose files differ' },
      json: { type: 'boolean', description: 'Print {agent, dir, status, files} as JSON (stdout)' },
    },
    run({ args }) {
      if (args.action !== 'install') {
        throw new CliError(
          args.action ? `unknown skill action "${args.action}"` : 'missing action: byok skill install',
          {
            code: 'skill_action_unknown',
            hint: 'Run `byok skill install [--agent claude-code|cursor|codex] [--dir <project>]`.',
          },
        )
      }
      const agent = (args.agent ?? 'claude-code') as SkillAgent
      if (!AGENT_NAMES.includes(agent)) {
        throw new CliError(`unknown agent "${args.agent}"`, {
          code: 'skill_agent_unknown',
          hint: `Choose one of: ${AGENT_NAMES.join(', ')}.`,
        })
      }
      const project = resolve(io.cwd, args.dir ?? '.')
      if (!existsSync(project) || !statSync(project).isDirectory()) {
        throw new CliError(`${project} is not a directory`, { code: 'project_missing' })
      }
      const result = installSkill({
        source: resolveSkillDir(io.env, io.cwd),
        project,
        agent,
        force: Boolean(args.force),
      })
      if (args.json) {
        io.out(JSON.stringify(result, null, 2))
        return
      }
      const where = relative(io.cwd, result.dir) || '.'
      const verb = { installed: 'installed', replaced: 'replaced', unchanged: 'already up to date:' }[
        result.status
      ]
      io.out(`byok skill ${verb} ${where} (${result.files.length} files)`)
    },
  })
}
