-- django-migration-manifest language server for Neovim 0.7 and later.
--
-- Put this file on your 'runtimepath' (for example ~/.config/nvim/lua/) and add to init.lua:
--
--   require("django_migration_manifest").setup({
--     -- every key is optional; these are the defaults
--     cmd = { "python", "-m", "lsp_server" },
--     init_options = {},            -- the server's settings (docs/lsp.md), e.g.
--                                   -- { lint = { ignore = { "unknown-operation" } } }
--   })
--
-- The server starts for migration files (any *.py in a folder named "migrations") and for
-- migrations.toml, once per project root (the folder holding migrations.toml, else the top of
-- the git work tree). On Neovim 0.8+ it uses vim.lsp.start; on 0.7, vim.lsp.start_client and
-- vim.lsp.buf_attach_client. Code actions work with vim.lsp.buf.code_action(); the server's
-- commands run with :DjangoMigrationManifest {resolve|update|info|reindex}.

local M = {}

M.config = {
  name = "django_migration_manifest",
  cmd = { "python", "-m", "lsp_server" },
  filetypes = { "python", "toml" },
  root_markers = { "migrations.toml", ".git" },
  init_options = {},
  -- what workspace/configuration answers under "djangoMigrationManifest"
  settings = nil,
  on_attach = nil,
}

local clients = {} -- Neovim 0.7: one client per root

local function is_ours(path)
  if path:match("[/\\]migrations%.toml$") then
    return true
  end
  return path:match("[/\\]migrations[/\\][^/\\]+%.py$") ~= nil
end

local function dirname(path)
  return path:match("^(.*)[/\\][^/\\]*$") or path
end

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

local function find_root(path)
  local folder = dirname(path)
  for _, marker in ipairs(M.config.root_markers) do
    local current = folder
    while current and current ~= "" do
      if exists(current .. "/" .. marker) then
        return current
      end
      local parent = dirname(current)
      if parent == current then
        break
      end
      current = parent
    end
  end
  return folder
end

local function client_config(root)
  local settings = M.config.settings or { djangoMigrationManifest = M.config.init_options }
  return {
    name = M.config.name,
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = M.config.init_options,
    settings = settings,
    on_attach = M.config.on_attach,
  }
end

--- Start (or reuse) the server for this buffer's project and attach the buffer to it.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" or not is_ours(path) then
    return nil
  end
  local root = find_root(path)
  if vim.lsp.start then -- Neovim 0.8+
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(client_config(root))
    clients[root] = id
  end
  if id ~= nil then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- The client attached to a buffer, if any.
function M.client(bufnr)
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == M.config.name and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)) then
      return client
    end
  end
  return nil
end

local commands = {
  resolve = "djangoMigrationManifest.resolve",
  update = "djangoMigrationManifest.updateManifest",
  info = "djangoMigrationManifest.showInfo",
  reindex = "djangoMigrationManifest.reindex",
}

--- Run one of the server's commands (resolve, update, info, reindex).
function M.command(name)
  local client = M.client(vim.api.nvim_get_current_buf()) or M.client(nil)
  if client == nil then
    vim.notify("django-migration-manifest: the server is not running", vim.log.levels.WARN)
    return nil
  end
  local params = { command = commands[name] or name, arguments = { { root = client.config.root_dir } } }
  return client.request_sync("workspace/executeCommand", params, 60000)
end

function M.setup(options)
  M.config = vim.tbl_deep_extend("force", M.config, options or {})
  local group = vim.api.nvim_create_augroup("DjangoMigrationManifest", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.config.filetypes,
    callback = function(event)
      M.attach(event.buf)
    end,
  })
  vim.api.nvim_create_user_command("DjangoMigrationManifest", function(opts)
    M.command(opts.args)
  end, {
    nargs = 1,
    complete = function()
      return vim.tbl_keys(commands)
    end,
  })
end

return M
