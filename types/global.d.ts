/// <reference types="@tarojs/taro" />

declare module '*.png'
declare module '*.css'

declare namespace NodeJS {
  interface ProcessEnv {
    /** Set by Taro at build time; decides the output and platform code paths. */
    NODE_ENV: 'development' | 'production' | 'test'
    TARO_ENV: 'weapp' | 'h5'
    /** Never commit a real appid: project.config.json uses touristappid. */
    TARO_APP_ID?: string
    /** The API's https origin (src/services/settings.ts); must match WeChat's request domains. */
    TARO_APP_API_ORIGIN?: string
  }
}
