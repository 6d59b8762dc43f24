import { Chat } from '@/components/chat'

// The page is static; everything that talks to the relay runs in the browser (components/chat.tsx).
export default function Page() {
  return <Chat />
}
