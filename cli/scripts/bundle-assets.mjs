// prepack: copies the repository's templates/ and skill/ into this package (npm cannot list files outside it),
// leaving out what an in-place install or build leaves behind; postpack removes the copies again.
import { cpSync, rmSync } from 'node:fs'
import { basename, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const LEFT_OUT = new Set(['node_modules', '.next', '.svelte-kit'])

const mode = process.argv[2]
for (const name of ['templates', 'skill']) {
  const target = here(`../${name}`)
  rmSync(target, { recursive: true, force: true })
  if (mode === 'clean') continue
  const source = here(`../../${name}`)
  cpSync(source, target, {
    recursive: true,
    filter: (path) => {
      if (LEFT_OUT.has(basename(path))) return false
      // A template app's own build output; templates/client keeps dist/ (its vendor files are built there).
      const parts = relative(source, path).split(sep)
      return !(parts.length === 2 && parts[1] === 'dist' && parts[0] !== 'client')
    },
  })
}
