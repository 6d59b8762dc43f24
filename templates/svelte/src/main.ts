import { mount } from 'svelte'
import App from './App.svelte'
import { defineKeyDialog } from './lib/byok'
import './style.css'

// Registers <byok-key-dialog>, which the client opens by itself when the relay has no key for a provider.
defineKeyDialog()

export default mount(App, { target: document.getElementById('app') as HTMLElement })
