// Initiates replica set rs0 (once) and creates or updates one user per service. Idempotent: the
// Job may run again after every apply. Reads its inputs from the environment:
//   MEMBERS          number of StatefulSet members (mongodb-0 … mongodb-<n-1>)
//   MEMBER_DOMAIN    e.g. mongodb.skillpass.svc (the headless Service)
//   SERVICES         comma-separated services, each with <SVC>_USERNAME / <SVC>_PASSWORD
const env = process.env;
const members = Number(env.MEMBERS);
const domain = env.MEMBER_DOMAIN;

function initiated() {
  try {
    rs.status();
    return true;
  } catch (error) {
    if (error.codeName === "NotYetInitialized" || error.code === 94) return false;
    throw error;
  }
}

if (!initiated()) {
  rs.initiate({
    _id: "rs0",
    members: Array.from({ length: members }, (_, i) => ({
      _id: i,
      host: `mongodb-${i}.${domain}:27017`,
      // mongodb-0 is preferred as primary only as a tie-break; any member may be elected.
      priority: i === 0 ? 2 : 1,
    })),
  });
  print(`initiated rs0 with ${members} member(s)`);
}

// Users are created on the primary.
for (let attempt = 0; !db.hello().isWritablePrimary; attempt++) {
  if (attempt > 120) throw new Error("no primary elected after 120 s");
  sleep(1000);
}

for (const service of env.SERVICES.split(",")) {
  const key = service.toUpperCase();
  const user = env[`${key}_USERNAME`];
  const pwd = env[`${key}_PASSWORD`];
  const target = db.getSiblingDB(service);
  const roles = [{ role: "readWrite", db: service }];
  if (target.getUser(user) === null) {
    target.createUser({ user, pwd, roles });
    print(`created user ${user} on ${service}`);
  } else {
    target.updateUser(user, { pwd, roles });
    print(`updated user ${user} on ${service}`);
  }
}
