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

/** People of the demo trust besides its admin, so a newcomer can try reach and decisions at once. */
export const demoPeople = [
  { firstName: 'Nina', lastName: 'North', email: 'nina.north@demo.trust', userType: 'staff', place: 'North Cluster', jobTitle: 'Cluster Lead', isManager: true, role: 'preset-cluster-administrator' },
  { firstName: 'Tom', lastName: 'Teacher', email: 'tom.teacher@demo.trust', userType: 'staff', place: 'Oakfield Primary', jobTitle: 'Class Teacher', isManager: false, role: 'preset-teacher' },
  { firstName: 'Jane', lastName: 'Smith', email: 'jane.smith@demo.trust', userType: 'staff', place: 'Little Acorns', jobTitle: 'Nursery Manager', isManager: true, role: 'preset-nursery-manager' },
  { firstName: 'John', lastName: 'Doe', email: 'john.doe@demo.trust', userType: 'staff', place: 'Little Acorns', jobTitle: 'Deputy Manager', isManager: true, role: 'preset-staff' },
  { firstName: 'Paula', lastName: 'Parent', email: 'paula.parent@demo.trust', userType: 'parent', place: 'Sunbeams', jobTitle: undefined, isManager: false, role: 'preset-parent', child: 'pupil-1001' },
] as const;
