// Data-plane role assignments inside the app's resource group: host storage and tables for the app identity,
// the watch queue for the app (receive, and send for its delayed retries) and the watchers (send), telemetry
// for the app.
// Assignment names follow guid(scope, principal, role) so redeployments are idempotent.

@description('Storage account holding host storage, the deployment container and the tables.')
param storageAccountName string

@description('Service Bus namespace holding the watch queue.')
param serviceBusNamespaceName string

@description('The watch queue.')
param queueName string

@description('Application Insights component the app publishes to.')
param applicationInsightsName string

@description('Principal (object) ID of the function app identity.')
param appPrincipalId string

@description('Principal (object) ID of the watcher identity.')
param watcherPrincipalId string

var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
var serviceBusDataReceiverRoleId = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
// Built-in role IDs: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration
// (Service Bus), also listed in microsoft/azure-skills skills/azure-prepare/references/services/service-bus/README.md.
var serviceBusDataSenderRoleId = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2021-11-01' existing = {
  name: serviceBusNamespaceName
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' existing = {
  parent: serviceBusNamespace
  name: queueName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Host storage (blob leases, timer schedule monitor, keys) and the Flex deployment container.
resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, storageBlobDataOwnerRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Binding index and cluster registry tables.
resource appTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, storageTableDataContributorRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributorRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// onClusterWatchEvent receives from the queue (queue scope, not namespace).
resource appQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, appPrincipalId, serviceBusDataReceiverRoleId)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataReceiverRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// onClusterWatchEvent retries a transiently failed message later by scheduling a copy of it on the same queue
// (ServiceBusSender.scheduleMessages is a send): Data Sender on the queue only, as for the watchers.
resource appQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, appPrincipalId, serviceBusDataSenderRoleId)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSenderRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The in-cluster watchers send to the queue through workload identity.
resource watcherQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, watcherPrincipalId, serviceBusDataSenderRoleId)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSenderRoleId)
    principalId: watcherPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Entra-authenticated telemetry (App Insights has local auth disabled).
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, monitoringMetricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
