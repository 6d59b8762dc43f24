import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { ToolError } from './tools/result.js'

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

function outsideError(root: string, path: string): ToolError {
  return new ToolError(
    `The path "${path}" is outside the project (${root}). Pass a path inside it: "." for the project itself, or a ` +
      'subdirectory such as "apps/web".',
  )
}

/**
 * A directory to create (scaffold_project): `path` resolved against `root`, refused unless it stays inside `root`
 * — checked on the resolved path and again on the real path of its nearest existing ancestor (or itself), so
 * neither `../x`, an absolute path nor a symlink leads out.
 */
export function resolveNewProjectDir(root: string, path: string): string {
  const dir = resolve(root, path)
  if (!isInside(root, dir)) throw outsideError(root, path)
  let existing = dir
  // lstat, not exists: a dangling symlink is there (and must not be written through).
  while (!lstatSync(existing, { throwIfNoEntry: false })) existing = dirname(existing)
  let real: string
  try {
    real = realpathSync(existing)
  } catch {
    throw outsideError(root, path) // a dangling symlink: its target is unknown, so it is not provably inside
  }
  if (!isInside(realpathSync(root), real)) throw outsideError(root, path)
  return dir
}

/**
 * `path` resolved against `root`, refused unless it is an existing directory inside `root`. The check runs on the
 * resolved path and again on the real path, so neither `../..` nor a symlink leads an agent out of the project.
 */
export function resolveProjectDir(root: string, path: string): string {
  const dir = resolve(root, path)
  const outside = () => outsideError(root, path)
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
