-- Lab helper (files 3 and 7): the keys into tenants that file 2 dropped, added back on every table now
-- distributed. After the commit of the transaction that distributed them: inside it Citus refuses a key to a
-- reference table ("there was a parallel operation on a distributed table in the transaction"; found).
do $$ declare k record; begin
  for k in select * from public.lab_keys_to_tenants l
           where exists (select from pg_dist_partition p where p.logicalrelid = l.rel::regclass) loop
    begin
      execute format('alter table %s add constraint %I %s', k.rel, k.conname, k.def);
      delete from public.lab_keys_to_tenants l where l.rel = k.rel and l.conname = k.conname;
    exception when others then
      raise notice 'KEY REFUSED %: % (%)', k.conname, sqlerrm, k.def;
    end;
  end loop;
end $$;
