import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Chat } from './components/chat'
import './style.css'

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <Chat />
  </StrictMode>,
)
