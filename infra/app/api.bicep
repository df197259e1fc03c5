// Flex Consumption (FC1) plan + the function app on Node 22, running as the user-assigned identity with
// identity-based connections only: host storage (AzureWebJobsStorage__*), Service Bus (<prefix>__*),
// Application Insights (Entra auth) and the Flex deployment container.
// No FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION settings: on Flex the runtime comes from
// functionAppConfig.runtime, as in the Functions quickstart.

@description('Azure region of the plan and the app (a region that offers Flex Consumption).')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('App Service plan name.')
param planName string

@description('Function app name (globally unique host name).')
param functionAppName string

@description('Resource ID of the user-assigned identity the app runs as.')
param identityId string

@description('Client ID of that identity (for AzureWebJobsStorage__clientId and friends).')
param identityClientId string

@description('Name of the storage account holding host storage and the deployment container.')
param storageAccountName string

@description('Blob container the app package is deployed into (must exist).')
param deploymentContainerName string

@description('Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Memory per instance in MB (512, 2048 or 4096; billed per GB-second).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on instances (40-1000; default 100). The lowest value is the default here: the work is I/O-bound and every instance spends the same per-principal ARM write budget (listKeys counts as a write), so more instances mean more 429s, not more throughput.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('App settings specific to aks-keysync (merged over the platform settings).')
param appSettings object = {}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(platformSettings, appSettings)
}

output id string = functionApp.id
output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
