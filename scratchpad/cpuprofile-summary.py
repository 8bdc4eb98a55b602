# Self time of a .cpuprofile by script and by function: python3 cpuprofile-summary.py file.cpuprofile
import json,sys,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
dt=collections.Counter()
samples=p['samples']; deltas=p['timeDeltas']
for s,d in zip(samples,deltas): dt[s]+=d
self_=collections.Counter(); byurl=collections.Counter()
for nid,t in dt.items():
    cf=nodes[nid]['callFrame']
    self_[(cf['functionName'] or '(anon)', cf['url'].split('/')[-1], cf['lineNumber'])]+=t
    byurl[cf['url'].split('dist/')[-1] if 'dist/' in cf['url'] else (cf['url'] or cf['functionName'])]+=t
tot=sum(dt.values())
print("total ms", tot/1000)
for k,v in byurl.most_common(25): print(f"{v/1000:8.1f} {k}")
print()
for k,v in self_.most_common(25): print(f"{v/1000:8.1f} {k}")
