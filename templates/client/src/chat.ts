/** `@byok/client/chat`: streaming chat through the relay, as a generator and as observable state. */

export { type ChatState, type ChatStore, type ChatTarget, createChatStore } from './chat-store.js'
export { readSse, type SseEvent } from './sse.js'
export { type ChatMessage, type StreamChatOptions, streamChat } from './stream-chat.js'
