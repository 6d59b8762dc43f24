import { existsSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { ToolError } from './tools/result.js'

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * `path` resolved against `root`, refused unless it is an existing directory inside `root`. The check runs on the
 * resolved path and again on the real path, so neither `../..` nor a symlink leads an agent out of the project.
 */
export function resolveProjectDir(root: string, path: string): string {
  const dir = resolve(root, path)
  const outside = () =>
    new ToolError(
      `The path "${path}" is outside the project (${root}). Pass a path inside it: "." for the project itself, or a ` +
        'subdirectory such as "apps/web".',
    )
  if (!isInside(root, dir)) throw outside()
  if (!existsSync(dir)) {
    throw new ToolError(
      `${dir} does not exist. Pass the directory of an existing app (relative to ${root}); for a new app use ` +
        'scaffold_project.',
    )
  }
  if (!isInside(realpathSync(root), realpathSync(dir))) throw outside()
  if (!statSync(dir).isDirectory()) {
    throw new ToolError(`${dir} is not a directory. Pass the app's directory (the one with package.json).`)
  }
  return dir
}
