// Order matters: Taro first (importing it later hits a circular import that throws "reading
// 'history'"), then React's H5 component config, else Taro hooks throw "React.useContext is not
// a function".
import '@tarojs/taro'
import React from 'react'
import ReactDOM from 'react-dom'
import { unmountAll } from './render'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createH5NativeComponentConfig } = require('@tarojs/plugin-framework-react/dist/runtime')

createH5NativeComponentConfig(null, React, ReactDOM)

// Tell React this is a test environment, so updates outside act() are reported.
;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

// A page that logs an error fails its test (checked after the test, since throwing inside
// console.error would break React mid-update). The one tolerated message comes from
// @tarojs/test-utils-react 0.1.1 itself, which still calls react-dom/test-utils' act.
const KNOWN_LIBRARY_WARNINGS = ['`ReactDOMTestUtils.act` is deprecated']
let logged: string[] = []
beforeEach(() => {
  logged = []
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    const message = args.map(String).join(' ')
    if (!KNOWN_LIBRARY_WARNINGS.some((known) => message.includes(known))) logged.push(message)
  })
})
afterEach(() => {
  unmountAll()
  if (logged.length)
    throw new Error(`console.error during the test:\n${logged.join('\n').slice(0, 2000)}`)
})
