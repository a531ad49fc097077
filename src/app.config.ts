export default defineAppConfig({
  // The first page is the one WeChat opens.
  pages: [
    'pages/home/index',
    'pages/city-picker/index',
    'pages/consent/index',
    'pages/privacy-policy/index',
    'pages/privacy-center/index',
    'pages/maintenance/index',
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#3a7bd5',
    navigationBarTitleText: '安心天气',
    navigationBarTextStyle: 'white',
    backgroundColor: '#eef3fa',
  },
})
