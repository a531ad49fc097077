export default definePageConfig({
  navigationBarTitleText: '安心天气',
})
