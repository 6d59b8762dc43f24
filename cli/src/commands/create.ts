import { relative, resolve } from 'node:path'
import { defineCommand } from 'citty'
import { describeFindings } from '../integrate-flow.js'
import type { CliIo } from '../io.js'
import { findExistingProject } from '../scaffold/existing.js'
import { checkAppId, checkRelayUrl } from '../scaffold/project.js'
import { createTtyPrompter, type Prompter } from '../scaffold/prompt.js'
import { loadTemplateRegistry, resolveTemplatesDir, type TemplateRegistry } from '../scaffold/registry.js'
import { scaffoldProject } from '../scaffold/scaffold-project.js'
import { type IntegrateDeps, runIntegrateCommand } from './integrate.js'

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
      description:
        'Write into a non-empty directory that holds no project (same-named files are overwritten); never over an app',
    },
    'dry-run': {
      type: 'boolean',
      description: 'In an existing app: print the integration diff and write nothing',
    },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout (for agents); never prompts' },
  } as const
}

/**
 * `byok create [dir]` (also the `create-byok` bin): scaffold a chat app from a template, write its .env, copy the
 * client helper, install, and print the next commands. Prompts only in a TTY; otherwise flags and defaults.
 * In a directory that already holds an app it says what it found and runs `byok integrate`'s flow instead.
 */
export function createCreateCommand(
  io: CliIo,
  openPrompter: () => Prompter = () => createTtyPrompter(),
  integrateDeps: Partial<IntegrateDeps> = {},
) {
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
      if (args['app-id'] !== undefined) checkAppId(args['app-id'])
      if (args.dir) {
        const existing = findExistingProject(resolve(io.cwd, args.dir), registry.dir)
        if (existing) {
          io.err(
            `byok: ${args.dir} is ${describeFindings(existing.plan)}; integrating it (byok integrate) instead of creating a new app`,
          )
          await runIntegrateCommand(
            io,
            {
              dir: args.dir,
              dryRun: Boolean(args['dry-run']),
              json: Boolean(args.json),
              yes: Boolean(args.yes),
              force: false,
              failOnManual: false,
              verbose: false,
              command: `byok create ${args.dir}`,
              relayUrl: args['relay-url'] === undefined ? undefined : checkRelayUrl(args['relay-url']),
            },
            { ...integrateDeps, prompter: () => openPrompter() },
          )
          return
        }
      }
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
        const relayUrl = checkRelayUrl(
          args['relay-url'] ??
            (interactive ? await prompter.text('Relay URL', DEFAULT_RELAY_URL) : DEFAULT_RELAY_URL),
        )
        const appId = args['app-id'] === undefined ? undefined : checkAppId(args['app-id'])
        const result = await scaffoldProject(io, {
          registry,
          template,
          source,
          dir,
          relayUrl,
          appId,
          force: args.force === true,
          install: args.install,
        })
        const { next, relayCommand } = result
        const cd = relative(io.cwd, result.target) || '.'
        if (args.json) {
          const report = {
            dir: result.target,
            template: result.template,
            source: source ?? null,
            env: result.env,
            packageManager: result.packageManager,
            installed: args.install,
            next,
            relay: relayCommand,
          }
          io.out(JSON.stringify(report, null, 2))
          return
        }
        io.out('')
        io.out(`Created ${cd}${result.template ? ` (${result.template} template)` : ''}. Next:`)
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
