import type { UserConfigExport } from '@tarojs/cli'

export default {
  // Taro's minifier writes every non-ASCII character as a \uXXXX escape (6 bytes instead of UTF-8's
  // 3 for a Chinese character). The mini program's files are UTF-8 and WeChat counts their bytes,
  // so the Chinese UI text is kept as is: about half the bytes for every string users read.
  terser: { config: { output: { ascii_only: false } } },
  mini: {},
  h5: {},
} satisfies UserConfigExport<'webpack5'>
