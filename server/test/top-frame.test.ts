import { topFrameOf } from '../src/monitor'

// Error reports are grouped by their top frame: the first frame of the app's own code.
// The stacks below are the shapes WeChat's runtimes print (V8 on Android and DevTools,
// JavaScriptCore on iOS), after scrubbing.
test.each([
  [
    'V8',
    'TypeError: x is undefined\n    at onLoad (pages/home/index.js:12:34)\n    at n (taro.js:1:2)',
    'at onLoad (pages/home/index.js:12:34)',
  ],
  [
    'V8 without a function name',
    'Error: boom\n    at pages/home/index.js:3:9',
    'at pages/home/index.js:3:9',
  ],
  [
    'JavaScriptCore',
    'onLoad@pages/home/index.js:12:34\nn@taro.js:1:2',
    'onLoad@pages/home/index.js:12:34',
  ],
  [
    'JavaScriptCore global code',
    'global code@app-service.js:3:10',
    'global code@app-service.js:3:10',
  ],
  [
    'a native frame before the app',
    'JSON.parse@[native code]\nparse@pages/home/index.js:7:3',
    'parse@pages/home/index.js:7:3',
  ],
  [
    'a message line that looks like a frame',
    '@tarojs/runtime failed to load\n    at boot (app.js:1:5)',
    'at boot (app.js:1:5)',
  ],
  ['no frame at all', 'Something broke', ''],
])('%s', (_name, stack, expected) => {
  expect(topFrameOf(stack)).toBe(expected)
})
