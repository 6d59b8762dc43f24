import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { defineKeyDialog } from './lib/byok'
import './style.css'

// Registers <byok-key-dialog>, which the client opens by itself when the relay has no key for a provider.
defineKeyDialog()

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
