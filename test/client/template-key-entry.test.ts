import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { esbuild } from '../bindings/support/bundle.js'
import { readTemplates, TEMPLATES_DIR } from '../templates/helpers.js'

/** What a template's `src/byok-client.ts` hands to the shared `createChatApp` (lib/app.ts). */
interface ChatAppOptions {
  relayUrl: string
  appId: string
  keyEntry?: string
}

/**
 * Builds the template's `src/byok-client.ts` with `env` inlined the way its bundler does at build time (Vite:
 * `import.meta.env`; Next: each literal `process.env.NEXT_PUBLIC_*` read) and the shared `createChatApp` replaced
 * by a recorder, then returns what `getChatApp()` passed to it. A template that ignores a variable, or reads it
 * in a way its bundler does not inline, gets its default here as it would in the built app.
 */
async function chatAppOptions(template: string, env: Record<string, string>): Promise<ChatAppOptions> {
  const next = Object.keys(env).some((name) => name.startsWith('NEXT_PUBLIC_'))
  const define = next
    ? Object.fromEntries(
        Object.entries(env).map(([name, value]) => [`process.env.${name}`, JSON.stringify(value)]),
      )
    : { 'import.meta.env': JSON.stringify(env) }
  const result = await esbuild.build({
    entryPoints: [join(TEMPLATES_DIR, template, 'src/byok-client.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'byokClient',
    platform: 'neutral',
    define,
    logLevel: 'error',
    plugins: [
      {
        name: 'record-create-chat-app',
        setup(build) {
          build.onResolve({ filter: /^\.\/lib\/app$/ }, () => ({ path: 'app', namespace: 'recorder' }))
          build.onLoad({ filter: /.*/, namespace: 'recorder' }, () => ({
            contents: 'export const createChatApp = (options) => ({ options })',
            loader: 'js',
          }))
        },
      },
    ],
  })
  const code = result.outputFiles[0]!.text
  const module = new Function(`${code}\nreturn byokClient`)() as {
    getChatApp(): { options: ChatAppOptions }
  }
  return module.getChatApp().options
}

// Each template reads its key-entry setting beside its relay URL variable (VITE_BYOK_KEY_ENTRY,
// NEXT_PUBLIC_BYOK_KEY_ENTRY); the shared lib/app.ts turns 'relay-page' into @byok/client's keyEntry.
describe.each(readTemplates())('the $name template', ({ name, env: relayUrlVariable }) => {
  const prefix = relayUrlVariable.replace(/RELAY_URL$/, '')
  const keyEntryVariable = `${prefix}KEY_ENTRY`

  test(`passes ${keyEntryVariable} to createChatApp, and its .env.example offers it`, async () => {
    const settings = (keyEntry: string) => ({
      [relayUrlVariable]: 'http://127.0.0.1:3999',
      [`${prefix}APP_ID`]: 'key-entry-test',
      [keyEntryVariable]: keyEntry,
    })
    expect(await chatAppOptions(name, settings('relay-page'))).toEqual({
      relayUrl: 'http://127.0.0.1:3999',
      appId: 'key-entry-test',
      keyEntry: 'relay-page',
    })
    expect((await chatAppOptions(name, settings('dialog'))).keyEntry).toBe('dialog')
    expect(readFileSync(join(TEMPLATES_DIR, name, '_env.example'), 'utf8')).toMatch(
      new RegExp(`^${keyEntryVariable}=dialog$`, 'm'),
    )
  })
})
