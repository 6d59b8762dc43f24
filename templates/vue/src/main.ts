import { createApp } from 'vue'
import App from './App.vue'
import { defineKeyDialog } from './lib/byok'
import './style.css'

// Registers <byok-key-dialog>, which the client opens by itself when the relay has no key for a provider.
defineKeyDialog()

createApp(App).mount('#app')
