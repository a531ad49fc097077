/**
 * `defineAppConfig` is a global that Taro's build provides to app.config.ts. Scripts that read
 * the app's config under plain Node import this module first: the config is the object itself.
 */
const scope = globalThis as { defineAppConfig?: <T>(config: T) => T }
scope.defineAppConfig ??= (config) => config

export {}
