// aks-keysync infrastructure, step 1 of 2 (step 2 is eventSubscription.bicep, run after the code is published,
// because Event Grid checks that the onArmEvent function exists). Walkthrough: docs/deploy.md.
//
// NOT COMPILED HERE. This template was written and self-reviewed on a machine that cannot install the Bicep
// CLI (no internet besides package registries); it has never been through `bicep build`, `bicep lint` or a
// deployment. The CI workflow (.github/workflows/ci.yml) builds and lints it on GitHub: treat that run as the
// first compilation. Property names and API versions follow the team's Azure fact sheet (azure-facts.md) where it gives
// them; where it does not (Service Bus, Log Analytics, Storage, identity, AKS), long-standing GA versions were
// chosen from memory. Expected linter noise: BCP081 in app/aksAccess.bicep (namespace scope has no type).
//
// Layout (Functions quickstart style): this file creates the resource group and wires one module per concern:
//   app/identity.bicep        app identity + watcher identity with one federated credential per cluster
//   app/storage.bicep         storage (shared keys off): host blobs, deployment + dead-letter containers, tables
//   app/monitoring.bicep      Log Analytics + Application Insights (local auth off)
//   app/serviceBus.bicep      namespace (SAS off) + the cluster-watch queue
//   app/api.bicep             Flex Consumption plan + function app (Node 22, identity-based connections)
//   app/rbac.bicep            data-plane roles in the app resource group
//   app/roles.bicep           custom roles from config/roleActions.json + key-reader assignment
//   app/roleAssignment.bicep  key-reader assignment on one resource group (when keyResourceGroups is set)
//   app/aksAccess.bicep       per registered cluster: Cluster User Role (+ optional namespace Secret role)
//   app/eventGridTopic.bicep  the subscription's Event Grid system topic, unless an existing one is reused
// Names shared with the code come from config/names.json (loadJsonContent), so they cannot drift.
targetScope = 'subscription'

metadata description = 'aks-keysync: event-driven sync of Azure access keys into owned Secrets on AKS clusters (step 1 of 2).'

@description('An AKS cluster the service writes Secrets into, and whose watcher sends watch events to the queue.')
type registeredCluster = {
  @description('The name the cluster is registered under with POST /api/clusters (1-63 lower-case letters, digits or -). Also names its federated credential fic-<name>.')
  @minLength(1)
  @maxLength(63)
  name: string

  @description('ARM ID of the AKS cluster: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name> (no trailing slash).')
  @minLength(1)
  aksResourceId: string

  @description('The cluster OIDC issuer URL exactly as az aks show -g <rg> -n <name> --query oidcIssuerProfile.issuerUrl -o tsv prints it (trailing slash included: it must equal the token issuer).')
  @minLength(1)
  oidcIssuerUrl: string

  @description('Namespace of the watcher ServiceAccount (as in infra/k8s).')
  @minLength(1)
  namespace: string

  @description('Name of the watcher ServiceAccount (as in infra/k8s).')
  @minLength(1)
  serviceAccount: string

  @description('Optional, only for clusters using Azure RBAC for Kubernetes authorization: namespaces where the app identity gets the namespace-scoped Secret writer role. Omit for Kubernetes RBAC clusters (the manifests bind the app identity object ID instead).')
  azureRbacNamespaces: string[]?
}

@description('Name of the environment (e.g. keysync-dev). Seeds the resource token and the resource group name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every regional resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
@minLength(1)
param location string

@description('Resource group to create or reuse. Empty = rg-<environmentName>.')
param resourceGroupName string = ''

@description('AKS clusters to grant the app access to and to trust for the watcher identity (workload identity). At most 20: the limit of federated credentials per identity.')
@maxLength(20)
param registeredClusters registeredCluster[] = []

@description('Resource groups (in this subscription) the key-reader role is assigned on. Empty = the whole subscription. See app/roles.bicep.')
param keyResourceGroups string[] = []

@description('Name of this subscription\'s existing Event Grid system topic (topic type Microsoft.Resources.Subscriptions), if there is one: a subscription can have only one. Empty = create it.')
param existingSystemTopicName string = ''

@description('Resource group of that existing system topic. Empty = Default-EventGrid (where the portal puts it).')
param existingSystemTopicResourceGroup string = ''

@description('NCRONTAB (6 fields) of the safety-net resync. Empty = the default in config/names.json (hourly).')
param resyncSchedule string = ''

@description('Service Bus tier: Basic (default, no base charge) or Standard.')
@allowed([
  'Basic'
  'Standard'
])
param serviceBusSku string = 'Basic'

@description('Memory per function instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on function instances (40-1000). Low on purpose: see app/api.bicep.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

var abbrs = loadJsonContent('abbreviations.json')
var names = loadJsonContent('config/names.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  application: 'aks-keysync'
  environment: environmentName
}

var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
// Flex needs the deployment container to exist before the first publish (quickstart naming).
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var createSystemTopic = empty(existingSystemTopicName)
var systemTopicName = createSystemTopic ? '${abbrs.eventGridSystemTopics}arm-${resourceToken}' : existingSystemTopicName

// environment().resourceManager ends with '/'; the app setting is documented without it.
var resourceManager = environment().resourceManager
var armEndpoint = endsWith(resourceManager, '/') ? substring(resourceManager, 0, length(resourceManager) - 1) : resourceManager
var resyncScheduleValue = empty(resyncSchedule) ? names.defaults.resyncSchedule : resyncSchedule

// One federated credential per registered cluster, trusting that cluster's watcher ServiceAccount token.
var watcherFederations = [
  for c in registeredClusters: {
    name: 'fic-${c.name}'
    issuer: c.oidcIssuerUrl
    subject: 'system:serviceaccount:${c.namespace}:${c.serviceAccount}'
  }
]

// Clusters that use Azure RBAC for Kubernetes get the namespace-scoped role; it is only created if any does.
var azureRbacClusters = filter(registeredClusters, c => !empty(c.?azureRbacNamespaces ?? []))
var azureRbacClusterGroups = map(azureRbacClusters, c => '/subscriptions/${split(c.aksResourceId, '/')[2]}/resourceGroups/${split(c.aksResourceId, '/')[4]}')
var namespaceRoleAssignableScopes = union(azureRbacClusterGroups, []) // union() drops duplicates

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'keysync-identity-${resourceToken}'
  scope: rg
  params: {
    location: location
    tags: tags
    appIdentityName: '${abbrs.managedIdentityUserAssignedIdentities}app-${resourceToken}'
    watcherIdentityName: '${abbrs.managedIdentityUserAssignedIdentities}watcher-${resourceToken}'
    watcherFederations: watcherFederations
  }
}

module storage 'app/storage.bicep' = {
  name: 'keysync-storage-${resourceToken}'
  scope: rg
  params: {
    location: location
    tags: tags
    storageAccountName: '${abbrs.storageStorageAccounts}${resourceToken}'
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: names.eventGrid.deadLetterContainer
    tableNames: [
      names.tables.bindings
      names.tables.clusters
    ]
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'keysync-monitoring-${resourceToken}'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
  }
}

module serviceBus 'app/serviceBus.bicep' = {
  name: 'keysync-servicebus-${resourceToken}'
  scope: rg
  params: {
    location: location
    tags: tags
    namespaceName: '${abbrs.serviceBusNamespaces}${resourceToken}'
    queueName: names.serviceBus.watchQueue
    skuName: serviceBusSku
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'keysync-rbac-${resourceToken}'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.appIdentityPrincipalId
    watcherPrincipalId: identity.outputs.watcherIdentityPrincipalId
  }
}

// App settings the code reads (names from config/names.json) + the Service Bus trigger connection.
var keysyncSettings = {
  '${names.appSettings.armEndpoint}': armEndpoint
  '${names.appSettings.tablesEndpoint}': storage.outputs.tableEndpoint
  '${names.appSettings.bindingsTable}': names.tables.bindings
  '${names.appSettings.clustersTable}': names.tables.clusters
  '${names.appSettings.clientId}': identity.outputs.appIdentityClientId
  '${names.appSettings.resyncSchedule}': resyncScheduleValue
  '${names.appSettings.watchQueue}': serviceBus.outputs.queueName
  '${names.serviceBus.connection}__fullyQualifiedNamespace': serviceBus.outputs.fullyQualifiedNamespace
  '${names.serviceBus.connection}__credential': 'managedidentity'
  '${names.serviceBus.connection}__clientId': identity.outputs.appIdentityClientId
}

module api 'app/api.bicep' = {
  name: 'keysync-api-${resourceToken}'
  scope: rg
  params: {
    location: location
    tags: tags
    planName: '${abbrs.webServerFarms}${resourceToken}'
    functionAppName: functionAppName
    identityId: identity.outputs.appIdentityId
    identityClientId: identity.outputs.appIdentityClientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: keysyncSettings
  }
}

module roles 'app/roles.bicep' = {
  name: 'keysync-roles-${resourceToken}'
  params: {
    environmentName: environmentName
    appPrincipalId: identity.outputs.appIdentityPrincipalId
    keyResourceGroups: keyResourceGroups
    createNamespaceRole: !empty(azureRbacClusters)
    namespaceRoleAssignableScopes: namespaceRoleAssignableScopes
    deploymentSuffix: resourceToken
  }
}

// Segments of /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>:
// [2] = subscription, [4] = resource group, [8] = cluster name.
module aksAccess 'app/aksAccess.bicep' = [
  for (c, i) in registeredClusters: {
    name: 'keysync-aks-${i}-${resourceToken}'
    scope: resourceGroup(split(c.aksResourceId, '/')[2], split(c.aksResourceId, '/')[4])
    params: {
      clusterName: split(c.aksResourceId, '/')[8]
      principalId: identity.outputs.appIdentityPrincipalId
      azureRbacNamespaces: c.?azureRbacNamespaces ?? []
      namespaceRoleDefinitionId: roles.outputs.namespaceSecretWriterRoleId
    }
  }
]

module eventGridTopic 'app/eventGridTopic.bicep' = if (createSystemTopic) {
  name: 'keysync-eventgrid-${resourceToken}'
  scope: rg
  params: {
    name: systemTopicName
    tags: tags
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = api.outputs.name
output FUNCTION_APP_HOST string = api.outputs.defaultHostName
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output DEPLOYMENT_CONTAINER_NAME string = storage.outputs.deploymentContainerName
output DEAD_LETTER_CONTAINER_NAME string = storage.outputs.deadLetterContainerName
output SYSTEM_TOPIC_NAME string = systemTopicName
output SYSTEM_TOPIC_RESOURCE_GROUP string = createSystemTopic ? rg.name : (empty(existingSystemTopicResourceGroup) ? 'Default-EventGrid' : existingSystemTopicResourceGroup)
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.namespaceName
output SERVICE_BUS_FQDN string = serviceBus.outputs.fullyQualifiedNamespace
output WATCH_QUEUE_NAME string = serviceBus.outputs.queueName
output APP_IDENTITY_CLIENT_ID string = identity.outputs.appIdentityClientId
@description('Object ID of the app identity: the Kubernetes RBAC subject (User) the cluster manifests bind.')
output APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.appIdentityPrincipalId
@description('Client ID of the watcher identity: the azure.workload.identity/client-id annotation of the watcher ServiceAccount.')
output WATCHER_IDENTITY_CLIENT_ID string = identity.outputs.watcherIdentityClientId
@description('Resource ID of the custom key-reader role (remove it by hand when cleaning up).')
output CUSTOM_ROLE_ID string = roles.outputs.keyReaderRoleId
