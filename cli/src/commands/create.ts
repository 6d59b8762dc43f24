import { existsSync, statSync } from 'node:fs'
import { basename, relative, resolve } from 'node:path'
import { defineCommand } from 'citty'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import {
  detectPackageManager,
  execCommand,
  installDependencies,
  runScriptCommand,
} from '../scaffold/install.js'
import {
  copySharedFiles,
  isEmptyDir,
  renameDotfiles,
  setPackageName,
  toPackageName,
  writeEnvFile,
} from '../scaffold/project.js'
import { createTtyPrompter, type Prompter } from '../scaffold/prompt.js'
import { loadTemplateRegistry, resolveTemplatesDir, type TemplateRegistry } from '../scaffold/registry.js'
import { fetchTemplate } from '../scaffold/source.js'

const DEFAULT_DIR = 'byok-app'
const DEFAULT_TEMPLATE = 'react'
const DEFAULT_RELAY_URL = 'http://127.0.0.1:3000'

function createArgs(registry: TemplateRegistry | undefined) {
  const list = registry?.templates.map((t) => t.name).join(' | ')
  return {
    dir: { type: 'positional', required: false, description: `Project directory (default ${DEFAULT_DIR})` },
    template: {
      type: 'string',
      alias: 't',
      description: `Bundled template${list ? `: ${list}` : ''} (default ${DEFAULT_TEMPLATE})`,
      valueHint: 'name',
    },
    'template-source': {
      type: 'string',
      description:
        'Any giget source instead of the bundled templates: gh:owner/repo/path#ref, an https:// tarball, …',
      valueHint: 'source',
    },
    'relay-url': {
      type: 'string',
      description: `Relay the app calls, written to .env (default ${DEFAULT_RELAY_URL}, the local \`byok dev\` relay)`,
      valueHint: 'url',
    },
    'app-id': {
      type: 'string',
      description: 'App id sent to the relay (default: the package name)',
      valueHint: 'id',
    },
    yes: {
      type: 'boolean',
      alias: 'y',
      description: 'Accept the defaults for anything not given; never prompt',
    },
    install: { type: 'boolean', default: true, description: 'Install dependencies (--no-install to skip)' },
    force: {
      type: 'boolean',
      description: 'Write into a non-empty directory (same-named files are overwritten)',
    },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout (for agents); never prompts' },
  } as const
}

/**
 * `byok create [dir]` (also the `create-byok` bin): scaffold a chat app from a template, write its .env, copy the
 * client helper, install, and print the next commands. Prompts only in a TTY; otherwise flags and defaults.
 */
export function createCreateCommand(io: CliIo, openPrompter: () => Prompter = () => createTtyPrompter()) {
  const readRegistry = () => loadTemplateRegistry(resolveTemplatesDir(io.env, io.cwd))
  return defineCommand({
    meta: {
      name: 'create',
      description: 'Create a chat app that calls AI providers through a byok relay with the user’s own key.',
    },
    args: () => {
      let registry: TemplateRegistry | undefined
      try {
        registry = readRegistry()
      } catch {}
      return createArgs(registry)
    },
    async run({ args }) {
      const registry = readRegistry()
      const source = args['template-source']
      const prompter = openPrompter()
      const interactive = prompter.interactive && !args.yes && !args.json
      try {
        const dir =
          args.dir || (interactive ? await prompter.text('Project directory', DEFAULT_DIR) : DEFAULT_DIR)
        let template = args.template
        if (template === undefined && source === undefined) {
          if (interactive) {
            template = await prompter.choose('Template', registry.templates)
          } else {
            template = DEFAULT_TEMPLATE
            io.err(`byok: no --template given, using ${DEFAULT_TEMPLATE}`)
          }
        }
        const entry = registry.templates.find((t) => t.name === template)
        if (source === undefined && !entry) {
          throw new CliError(`unknown template "${template}"`, {
            code: 'template_unknown',
            hint: `Choose one of: ${registry.templates.map((t) => t.name).join(', ')}.`,
          })
        }
        const relayUrl = checkRelayUrl(
          args['relay-url'] ??
            (interactive ? await prompter.text('Relay URL', DEFAULT_RELAY_URL) : DEFAULT_RELAY_URL),
        )
        const target = resolve(io.cwd, dir)
        if (existsSync(target) && !statSync(target).isDirectory()) {
          throw new CliError(`${dir} exists and is not a directory`, { code: 'target_not_directory' })
        }
        if (!isEmptyDir(target) && !args.force) {
          throw new CliError(`${dir} is not empty`, {
            code: 'target_not_empty',
            hint: 'Pick a new directory, or pass --force to write into it (files with the same names are overwritten).',
          })
        }
        const name = toPackageName(basename(target))
        const appId = args['app-id'] ?? name

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
        copySharedFiles(registry.dir, registry.shared, target)
        setPackageName(target, name)
        const relayVar = writeEnvFile(target, { relayUrl, appId })
        if (relayVar) io.err(`byok: wrote .env (${relayVar}=${relayUrl})`)

        const pm = detectPackageManager(io.env)
        if (args.install) await installDependencies(io, pm, target)

        const cd = relative(io.cwd, target) || '.'
        const next = [
          ...(cd === '.' ? [] : [`cd ${/\s/.test(cd) ? JSON.stringify(cd) : cd}`]),
          ...(args.install ? [] : [`${pm} install`]),
          runScriptCommand(pm, 'dev'),
        ]
        const relayCommand = execCommand(pm, 'byok dev')
        if (args.json) {
          const result = {
            dir: target,
            template: entry?.name ?? null,
            source: source ?? null,
            env: relayVar ? { [relayVar]: relayUrl } : {},
            packageManager: pm,
            installed: args.install,
            next,
            relay: relayCommand,
          }
          io.out(JSON.stringify(result, null, 2))
          return
        }
        io.out('')
        io.out(`Created ${cd}${entry ? ` (${entry.name} template)` : ''}. Next:`)
        io.out('')
        for (const command of next) io.out(`  ${command}`)
        io.out('')
        io.out('And in another terminal, the local relay that keeps your users’ keys:')
        io.out('')
        io.out(`  ${relayCommand}`)
      } finally {
        prompter.close()
      }
    },
  })
}

function checkRelayUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    url = new URL('invalid:')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--relay-url must be an http(s) URL, got "${value}"`, {
      code: 'relay_url_invalid',
      hint: `For the local dev relay: --relay-url ${DEFAULT_RELAY_URL}`,
    })
  }
  return value.replace(/\/+$/, '')
}
