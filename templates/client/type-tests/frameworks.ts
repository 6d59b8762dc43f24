import type { Readable as SvelteReadable } from 'svelte/store'
import { expectTypeOf } from 'vitest'
import type { Ref } from 'vue'
import type { ChatMessage, ChatState } from '../src/chat.js'
import { createByok, type KeysState, type StoredKey } from '../src/index.js'
import {
  type UseByok,
  type UseByokChat,
  useByok as useReactByok,
  useByokChat as useReactChat,
} from '../src/react.js'
import { byokChat, byokKeys } from '../src/svelte.js'
import { useByok as useVueByok, useByokChat as useVueChat } from '../src/vue.js'

const byok = createByok({ relayUrl: 'http://127.0.0.1:3000', appId: 'types' })

expectTypeOf(useReactByok).returns.toEqualTypeOf<UseByok>()
expectTypeOf<UseByok['keys']>().toEqualTypeOf<StoredKey[]>()
expectTypeOf(useReactChat).returns.toEqualTypeOf<UseByokChat>()
expectTypeOf<UseByokChat['messages']>().toEqualTypeOf<ChatMessage[]>()
expectTypeOf<UseByokChat['send']>().toEqualTypeOf<(text: string) => Promise<void>>()

// Inside a composable, as a component would call them (types only: never run).
export function useTypes() {
  expectTypeOf(useVueByok(byok).keys).toEqualTypeOf<Readonly<Ref<StoredKey[]>>>()
  const model = 'gpt-4o-mini'
  expectTypeOf(useVueChat(byok, () => ({ provider: 'openai', model })).streaming).toEqualTypeOf<
    Readonly<Ref<boolean>>
  >()
}

// The Svelte entry's stores satisfy Svelte's own store contract.
expectTypeOf(byokKeys(byok)).toMatchTypeOf<SvelteReadable<KeysState>>()
expectTypeOf(byokChat(byok, { provider: 'openai', model: 'gpt-4o-mini' })).toMatchTypeOf<
  SvelteReadable<ChatState>
>()
