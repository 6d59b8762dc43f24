// Type tests for the public API (run by test/client/api-types.test.ts with tsconfig.type-tests.json).
import { expectTypeOf } from 'vitest'
import { type ChatState, createChatStore, streamChat } from '../src/chat.js'
import { type ByokKeyDialogElement, openKeyDialog } from '../src/dialog.js'
import {
  type ByokClient,
  type ByokError,
  type ByokOptions,
  createByok,
  createKeyStore,
  type KeysState,
  type RejectedToken,
  relayErrorOf,
  type StoredKey,
} from '../src/index.js'

const byok = createByok({ relayUrl: 'http://127.0.0.1:3000', appId: 'types' })
expectTypeOf(byok).toEqualTypeOf<ByokClient>()
// @ts-expect-error appId is required
createByok({ relayUrl: 'http://127.0.0.1:3000' })
expectTypeOf<ByokOptions['getToken']>().toEqualTypeOf<
  ((rejected?: RejectedToken) => Promise<string>) | undefined
>()
createByok({ relayUrl: '', appId: '', getToken: async () => 'token' })
// @ts-expect-error getToken resolves with the token string
createByok({ relayUrl: '', appId: '', getToken: async () => ({ token: 'x' }) })
expectTypeOf<ByokOptions['keyEntry']>().toEqualTypeOf<'relay-page' | 'dialog' | undefined>()
createByok({ relayUrl: '', appId: '', keyEntry: 'relay-page' })
// @ts-expect-error keyEntry is 'relay-page' or 'dialog'
createByok({ relayUrl: '', appId: '', keyEntry: 'popup' })
expectTypeOf<ByokOptions['onKeyStored']>().toEqualTypeOf<((provider: string) => void) | undefined>()

expectTypeOf(byok.relayFetch).returns.toEqualTypeOf<Promise<Response>>()
expectTypeOf(byok.fetch).toEqualTypeOf<typeof fetch>()
expectTypeOf(byok.listKeys).returns.toEqualTypeOf<Promise<StoredKey[]>>()
expectTypeOf(byok.askForKey).toEqualTypeOf<
  (provider: string, reason?: { code: string; message: string }) => Promise<boolean>
>()
expectTypeOf(byok.sdkOptions).returns.resolves.toHaveProperty('dangerouslyAllowBrowser').toEqualTypeOf<true>()

expectTypeOf<ByokError>().toMatchTypeOf<Error>()
expectTypeOf<ByokError['code']>().toEqualTypeOf<string>()
expectTypeOf<ByokError['retryAfter']>().toEqualTypeOf<number | undefined>()
expectTypeOf(relayErrorOf).returns.toEqualTypeOf<Promise<ByokError | null>>()

expectTypeOf(createKeyStore(byok).get()).toEqualTypeOf<KeysState>()
expectTypeOf(createKeyStore(byok).subscribe).parameter(0).toEqualTypeOf<(value: KeysState) => void>()
const chat = createChatStore(byok, { provider: 'openai', model: 'gpt-4o-mini' })
expectTypeOf(chat.get()).toEqualTypeOf<ChatState>()
expectTypeOf(chat.send).returns.toEqualTypeOf<Promise<void>>()
// @ts-expect-error a chat target names a model
createChatStore(byok, { provider: 'openai' })
expectTypeOf(streamChat(byok, { provider: 'openai', model: 'm', messages: [] })).toEqualTypeOf<
  AsyncGenerator<string>
>()

expectTypeOf(openKeyDialog).returns.toEqualTypeOf<Promise<string | null>>()
expectTypeOf<ByokKeyDialogElement>().toMatchTypeOf<HTMLElement>()
