// Styles do not matter to behaviour tests; Taro's CSS imports resolve to this empty module.
module.exports = {}
