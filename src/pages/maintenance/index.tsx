import PlaceholderPage from '../../components/placeholder-page'

export default function MaintenancePage() {
  return (
    <PlaceholderPage
      practice='INCIDENT'
      title='系统维护中'
      description='服务正在紧急维护时，所有页面会转到这里，并显示维护说明和预计恢复时间。'
    />
  )
}
