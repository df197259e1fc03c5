// The app identity's access to one registered AKS cluster. Deployed to the cluster's resource group.
//
// ARM side: the built-in Azure Kubernetes Service Cluster User Role on this cluster only (managedClusters/read +
// listClusterUserCredential/action), so the service can fetch the API server URL and CA. It is deliberately not
// part of the subscription-wide custom role: on a cluster that still has local accounts, the clusterUser
// kubeconfig carries a usable credential, so this right must be granted cluster by cluster.
//
// Kubernetes side, one of:
// - Kubernetes RBAC with Entra ID (default, namespaces empty): the cluster manifests (infra/k8s) bind the app
//   identity's object ID (output APP_IDENTITY_PRINCIPAL_ID) to the keysync Role/ClusterRole. Nothing to do here.
// - Azure RBAC for Kubernetes: the custom "namespace secret writer" role is assigned at
//   <clusterId>/namespaces/<ns> for each listed namespace. KeyBinding read/status still come from the manifests.

@description('AKS cluster name (in this resource group).')
param clusterName string

@description('Principal (object) ID of the function app identity.')
param principalId string

@description('Namespaces where the app gets the namespace-scoped Secret role through Azure RBAC. Empty = Kubernetes RBAC cluster.')
param azureRbacNamespaces string[] = []

@description('Resource ID of the namespace-scoped Secret writer role (required when azureRbacNamespaces is not empty).')
param namespaceRoleDefinitionId string = ''

var aksClusterUserRoleId = '4abbcc35-e782-43d8-92c5-2d3f1bd2253f' // Azure Kubernetes Service Cluster User Role

resource cluster 'Microsoft.ContainerService/managedClusters@2024-02-01' existing = {
  name: clusterName
}

resource clusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, principalId, aksClusterUserRoleId)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', aksClusterUserRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The namespace scope <clusterId>/namespaces/<ns> is what `az role assignment create --scope` uses for AKS
// Azure RBAC. Bicep has no type for that path, so expect warning BCP081 here; the compiled template only uses
// it to build the assignment's scope ID. NOT verified by a deployment (see main.bicep header).
resource clusterNamespace 'Microsoft.ContainerService/managedClusters/namespaces@2024-02-01' existing = [
  for ns in azureRbacNamespaces: {
    parent: cluster
    name: ns
  }
]

resource namespaceSecretWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (ns, i) in azureRbacNamespaces: {
    name: guid(cluster.id, ns, principalId, namespaceRoleDefinitionId)
    scope: clusterNamespace[i]
    properties: {
      roleDefinitionId: namespaceRoleDefinitionId
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
