import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliDecompressSync } from 'node:zlib'

/** A Chromium that runs without anything installed on the system: its path and the environment it needs. */
export interface LaunchableChromium {
  readonly executablePath: string
  readonly env: Record<string, string>
  /** Where it came from, printed by the tests so a run says which browser it used. */
  readonly source: string
}

const PACKAGE = '@sparticuz/chromium'

// @sparticuz/chromium ships the browser itself inside its npm tarball (bin/*.br, brotli-compressed), so nothing is
// ever downloaded from a browser CDN. Its own executablePath() unpacks into a shared /tmp/chromium without locking;
// we unpack into the checkout's node_modules/.cache, one directory per version, renamed into place so parallel test files never
// see half a binary.
export function unpackPackagedChromium(): LaunchableChromium {
  const require = createRequire(import.meta.url)
  // Its exports hide package.json; the entry point is build/<format>/index.*, two levels below the root.
  const root = join(dirname(require.resolve(PACKAGE)), '..', '..')
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  const bin = join(root, 'bin')
  const dir = fileURLToPath(new URL(`../../../node_modules/.cache/byok-chromium/${version}`, import.meta.url))
  if (!existsSync(join(dir, 'chromium'))) unpackInto(bin, dir)
  return {
    executablePath: join(dir, 'chromium'),
    // al2023/lib holds the NSS/expat libraries the binary links against, which a bare Debian does not have.
    env: { LD_LIBRARY_PATH: join(dir, 'al2023', 'lib'), FONTCONFIG_PATH: join(dir, 'fonts') },
    source: `${PACKAGE}@${version}`,
  }
}

function unpackInto(bin: string, dir: string): void {
  const staging = `${dir}.${process.pid}.tmp`
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  writeFileSync(join(staging, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))))
  chmodSync(join(staging, 'chromium'), 0o755)
  // The GL libraries must sit beside the binary, which loads them from its own directory.
  extractTar(brotliDecompressSync(readFileSync(join(bin, 'swiftshader.tar.br'))), staging)
  extractTar(brotliDecompressSync(readFileSync(join(bin, 'al2023.tar.br'))), join(staging, 'al2023'))
  extractTar(brotliDecompressSync(readFileSync(join(bin, 'fonts.tar.br'))), join(staging, 'fonts'))
  // The shipped fonts.conf names Lambda's /tmp/fonts; point fontconfig at the fonts unpacked here instead.
  writeFileSync(
    join(staging, 'fonts', 'fonts.conf'),
    `<?xml version="1.0"?>\n<fontconfig><dir>${join(dir, 'fonts', 'fonts')}</dir>` +
      `<cachedir>${join(dir, 'fonts-cache')}</cachedir></fontconfig>\n`,
  )
  try {
    renameSync(staging, dir)
  } catch (error) {
    // Another test file unpacked the same version first: keep theirs.
    rmSync(staging, { recursive: true, force: true })
    if (!existsSync(join(dir, 'chromium'))) throw error
  }
}

/** Extracts a ustar archive holding only regular files and directories (what the package's archives contain). */
function extractTar(archive: Buffer, into: string): void {
  let offset = 0
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512)
    if (header.every((byte) => byte === 0)) break
    const field = (start: number, length: number) =>
      header.toString('latin1', start, start + length).replace(/\0.*$/s, '')
    const prefix = field(345, 155)
    const name = normalize(prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    const size = Number.parseInt(field(124, 12).trim() || '0', 8)
    const type = field(156, 1) || '0'
    if (name.startsWith('..') || name.startsWith('/')) throw new Error(`unsafe path in archive: ${name}`)
    const target = join(into, name)
    const body = offset + 512
    if (type === '5') mkdirSync(target, { recursive: true })
    else if (type === '0') {
      mkdirSync(dirname(target), { recursive: true })
      writeFileSync(target, archive.subarray(body, body + size), {
        mode: Number.parseInt(field(100, 8).trim() || '644', 8),
      })
    } else if (type !== 'x' && type !== 'g') throw new Error(`unsupported entry type ${type} for ${name}`)
    offset = body + Math.ceil(size / 512) * 512
  }
}
