# Inclusive and self time per function of a .cpuprofile, per `n` units of work: python3 cpuprofile-inclusive.py file n [skip,fn,names]
import json,sys,collections
p=json.load(open(sys.argv[1])); n=int(sys.argv[2]); skip=set(sys.argv[3].split(",")) if len(sys.argv)>3 else set()
nodes={x['id']:x for x in p['nodes']}
parent={}
for x in p['nodes']:
    for c in x.get('children',[]): parent[c]=x['id']
dt=collections.Counter()
for s,d in zip(p['samples'],p['timeDeltas']): dt[s]+=d
incl=collections.Counter(); self_=collections.Counter()
key=lambda x:(x['callFrame']['functionName'] or '(anon)')+':'+x['callFrame']['url'].split('/')[-1]+':'+str(x['callFrame']['lineNumber'])
for nid,t in dt.items():
    k=key(nodes[nid]); self_[k]+=t
    if nodes[nid]['callFrame']['functionName'] in skip: continue
    seen=set(); cur=nid
    while cur is not None:
        kk=key(nodes[cur])
        if kk not in seen: incl[kk]+=t; seen.add(kk)
        cur=parent.get(cur)
print("self µs per unit"); [print(f"{v/n:8.2f} {k}") for k,v in self_.most_common(30)]
print("inclusive µs per unit (skipping", skip, ")"); [print(f"{v/n:8.2f} {k}") for k,v in incl.most_common(45)]
