// The provider mocks live in @byok/relay/mock-providers (one implementation, shared with `byok dev --mock`).
export * from '@byok/relay/mock-providers'
