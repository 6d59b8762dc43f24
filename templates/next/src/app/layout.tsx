import type { Metadata } from 'next'
import type { ReactNode } from 'react'
// The stylesheet is shared by every template and copied in at scaffold time (templates/index.json).
import '../style.css'

export const metadata: Metadata = { title: 'byok chat' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
