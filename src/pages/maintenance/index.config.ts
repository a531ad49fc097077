export default definePageConfig({
  navigationBarTitleText: '系统维护中',
})
