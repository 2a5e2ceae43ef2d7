import type { TreeSeed } from '../../domain/org/new-trust';

/** The demo trust the local stack seeds into an empty store (API.md, "Local stack"). */
export const demoTrust = {
  name: 'Demo Learning Trust',
  adminEmail: 'admin@demo.trust',
  adminFirstName: 'Demo',
  adminLastName: 'Admin',
  tree: [
    { kind: 'cluster', name: 'North Cluster' },
    { kind: 'cluster', name: 'South Cluster' },
    { kind: 'cluster', name: 'North Rural', parent: 'North Cluster' },
    { kind: 'school', name: 'Oakfield Primary', parent: 'North Cluster', label: 'Academy' },
    { kind: 'school', name: 'Little Acorns', parent: 'North Rural', label: 'Nursery' },
    { kind: 'school', name: 'Riverside Academy', parent: 'South Cluster', label: 'Academy' },
    { kind: 'school', name: 'Sunbeams', parent: 'South Cluster', label: 'Nursery' },
  ] satisfies TreeSeed[],
};
