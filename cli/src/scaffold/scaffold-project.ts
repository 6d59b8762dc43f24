import { existsSync, statSync } from 'node:fs'
import { basename, relative, resolve } from 'node:path'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { useCheckoutClient } from './checkout-client.js'
import { isExistingProject } from './existing.js'
import { detectPackageManager, execCommand, installDependencies, runScriptCommand } from './install.js'
import {
  checkAppId,
  checkRelayUrl,
  copySharedFiles,
  isEmptyDir,
  renameDotfiles,
  setPackageName,
  toPackageName,
  writeEnvFile,
} from './project.js'
import type { loadTemplateRegistry } from './registry.js'
import { fetchTemplate } from './source.js'

interface ScaffoldRequest {
  readonly registry: ReturnType<typeof loadTemplateRegistry>
  /** A bundled template name; ignored when `source` (any giget source) is given. */
  readonly template: string | undefined
  readonly source: string | undefined
  readonly dir: string
  readonly relayUrl: string
  readonly appId: string | undefined
  /** Write into a non-empty directory that holds no project (an existing app is always refused). */
  readonly force: boolean
  /** The remedy for a non-empty target, for callers without --force (default: pick a new directory, or --force). */
  readonly forceHint?: string
  readonly install: boolean
}

export interface ScaffoldResult {
  readonly target: string
  readonly template: string | null
  readonly env: Record<string, string>
  readonly packageManager: string
  /** The commands to run next, in order (cd, install if skipped, dev server). */
  readonly next: string[]
  /** How to start the local relay with the same package manager. */
  readonly relayCommand: string
}

/**
 * The steps `byok create` and the MCP `scaffold_project` tool share: check the target, fetch the template,
 * rename dotfiles, copy the shared files, set the package name, write `.env`, install. Progress goes to stderr.
 */
export async function scaffoldProject(io: CliIo, request: ScaffoldRequest): Promise<ScaffoldResult> {
  const { registry, template, source, dir, relayUrl } = request
  const entry = registry.templates.find((t) => t.name === template)
  if (source === undefined && !entry) {
    throw new CliError(`unknown template "${template}"`, {
      code: 'template_unknown',
      hint: `Choose one of: ${registry.templates.map((t) => t.name).join(', ')}.`,
    })
  }
  // Checked before anything is written, so a bad value leaves no half-made project behind.
  checkRelayUrl(relayUrl)
  if (request.appId !== undefined) checkAppId(request.appId)
  const target = resolve(io.cwd, dir)
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new CliError(`${dir} exists and is not a directory`, { code: 'target_not_directory' })
  }
  if (isExistingProject(target)) {
    // --force never means "write a template over an app": `byok create` integrates an existing app instead.
    throw new CliError(`${dir} already holds an app`, {
      code: 'target_is_project',
      hint: `Integrate it instead: byok integrate ${dir}`,
    })
  }
  if (!isEmptyDir(target) && !request.force) {
    throw new CliError(`${dir} is not empty`, {
      code: 'target_not_empty',
      hint:
        request.forceHint ??
        'Pick a new directory, or pass --force to write into it (it holds no project; same-named files are overwritten).',
    })
  }
  const name = toPackageName(basename(target))

  io.err(`byok: creating ${dir} from ${source ?? `the ${template} template`}`)
  await fetchTemplate({
    templatesDir: registry.dir,
    template: template ?? '',
    source,
    target,
    cwd: io.cwd,
    env: io.env,
  })
  renameDotfiles(target)
  // A --template-source project gets only the helper files, never another template's components.
  copySharedFiles(
    registry.dir,
    [...registry.shared, ...(source === undefined ? (entry?.shared ?? []) : [])],
    target,
  )
  setPackageName(target, name)
  const packed = useCheckoutClient(registry.dir, target)
  if (packed)
    io.err(`byok: @byok/client from this checkout, packed as ${packed} (it is not on the registry yet)`)
  const relayVar = writeEnvFile(target, { relayUrl, appId: request.appId ?? name })
  if (relayVar) io.err(`byok: wrote .env (${relayVar}=${relayUrl})`)

  const pm = detectPackageManager(io.env)
  if (request.install) await installDependencies(io, pm, target)

  const cd = relative(io.cwd, target) || '.'
  return {
    target,
    template: entry?.name ?? null,
    env: relayVar ? { [relayVar]: relayUrl } : {},
    packageManager: pm,
    next: [
      ...(cd === '.' ? [] : [`cd ${/\s/.test(cd) ? JSON.stringify(cd) : cd}`]),
      ...(request.install ? [] : [`${pm} install`]),
      runScriptCommand(pm, 'dev'),
    ],
    relayCommand: execCommand(pm, 'byok dev'),
  }
}
