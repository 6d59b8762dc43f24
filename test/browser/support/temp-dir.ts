import { withTempDir } from '@byok/test-kit'

export interface HeldTempDir {
  readonly dir: string
  /** Ends the `withTempDir` scope: the directory is removed. */
  release(): Promise<void>
}

/**
 * A `withTempDir()` directory held open across hooks: the built app is made once in `beforeAll` and shared by a
 * file's tests, so an npm install is not paid per test.
 */
export async function holdTempDir(): Promise<HeldTempDir> {
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let dir!: string
  let ready!: () => void
  const isReady = new Promise<void>((resolve) => {
    ready = resolve
  })
  const scope = withTempDir(async (path) => {
    dir = path
    ready()
    await released
  })
  await isReady
  return {
    dir,
    async release() {
      release()
      await scope
    },
  }
}
