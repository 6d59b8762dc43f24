import type { Metadata, Viewport } from 'next'
import type { ReactNode } from 'react'
// The stylesheet is shared by every template and copied in at scaffold time (templates/index.json).
import '../style.css'

export const metadata: Metadata = {
  title: 'byok chat',
  description: 'A chat app that runs on your own AI provider key, through a byok relay.',
  icons: {
    icon: [
      { url: '/favicon.svg', type: 'image/svg+xml' },
      { url: '/favicon.ico', sizes: '32x32' },
    ],
  },
}

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#0e1014' },
  ],
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
