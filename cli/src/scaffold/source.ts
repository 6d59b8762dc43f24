import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Env } from '@byok/relay'
import { downloadTemplate } from 'giget'
import { CliError } from '../errors.js'
import { copyTemplateDir } from './project.js'

/**
 * Puts the template's files into `target`: from the bundled templates directory (offline), or, with
 * `--template-source`, from any giget source (`gh:owner/repo/path#ref`, `https://…/x.tar.gz`, `gitlab:…`).
 */
export async function fetchTemplate(options: {
  templatesDir: string
  template: string
  source: string | undefined
  target: string
  cwd: string
  env: Env
}): Promise<{ from: string }> {
  if (options.source === undefined) {
    const dir = join(options.templatesDir, options.template)
    if (!existsSync(join(dir, 'package.json'))) {
      throw new CliError(`template "${options.template}" is missing from ${options.templatesDir}`, {
        code: 'template_missing',
      })
    }
    copyTemplateDir(dir, options.target)
    return { from: dir }
  }
  try {
    // Our own emptiness check has already run, so giget may write into an existing (empty or --force) dir.
    const result = await downloadTemplate(options.source, {
      dir: options.target,
      cwd: options.cwd,
      force: true,
      silent: true,
      ...(options.env.GIGET_AUTH ? { auth: options.env.GIGET_AUTH } : {}),
    })
    return { from: result.url ?? result.source }
  } catch (error) {
    throw new CliError(`cannot download template from ${options.source}: ${(error as Error).message}`, {
      code: 'template_download_failed',
      hint: 'giget sources look like gh:owner/repo/path#ref or an https:// tarball URL; check the network.',
      cause: error,
    })
  }
}
