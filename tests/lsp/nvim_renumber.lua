-- Run by test_lsp_neovim.py inside `nvim --headless`: opens a conflicted migration with the
-- editor configuration in editors/nvim, waits for the server's diagnostics, applies the
-- renumber code action through Neovim's own code-action menu and writes what happened as JSON.
--
-- Environment: MM_EDITORS (the editors/nvim folder), MM_PYTHON, MM_FILE (the migration to
-- open), MM_OUT (where to write the JSON).

local out_path = os.getenv("MM_OUT")
local result = { steps = {} }

local function finish(ok, message)
  result.ok = ok
  result.error = message
  local handle = io.open(out_path, "w")
  handle:write(vim.fn.json_encode(result))
  handle:close()
  vim.cmd(ok and "qa!" or "cquit!")
end

local function step(name)
  table.insert(result.steps, name)
end

local function main()
  package.path = os.getenv("MM_EDITORS") .. "/?.lua;" .. package.path
  local mm = require("django_migration_manifest")
  mm.setup({
    cmd = { os.getenv("MM_PYTHON"), "-m", "lsp_server" },
    init_options = { pollInterval = 0.2, lint = { enabled = true } },
  })
  vim.cmd("filetype on")
  result.nvim = vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch
  result.has_vim_lsp_start = vim.lsp.start ~= nil
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("MM_FILE")))
  local bufnr = vim.api.nvim_get_current_buf()
  step("opened")

  local client
  vim.wait(20000, function()
    client = mm.client(bufnr)
    return client ~= nil and client.initialized
  end, 20)
  if client == nil then
    return finish(false, "the server never attached")
  end
  step("attached")
  result.offset_encoding = client.offset_encoding
  local edit = vim.lsp.protocol.make_client_capabilities().workspace.workspaceEdit
  result.document_changes = edit.documentChanges == true
  result.resource_operations = edit.resourceOperations

  local found = vim.wait(30000, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 20)
  if not found then
    return finish(false, "no diagnostics arrived")
  end
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(result.diagnostics, {
      code = d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code,
      lnum = d.lnum,
      col = d.col,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      source = d.source,
    })
  end
  step("diagnostics")

  local first = vim.diagnostic.get(bufnr)[1]
  local line_diagnostics = {}
  if vim.lsp.diagnostic.get_line_diagnostics then
    line_diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, first.lnum)
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = {
      start = { line = first.lnum, character = first.col },
      ["end"] = { line = first.end_lnum or first.lnum, character = first.end_col or first.col },
    },
    context = { diagnostics = line_diagnostics },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 30000)
  local actions = {}
  for _, response in pairs(responses or {}) do
    for _, action in ipairs(response.result or {}) do
      table.insert(actions, action)
    end
  end
  result.titles = {}
  local chosen
  for _, action in ipairs(actions) do
    table.insert(result.titles, action.title)
    if chosen == nil and action.title:find("^Renumber") then
      chosen = action
    end
  end
  if chosen == nil then
    return finish(false, "no renumber action")
  end
  step("code action")
  -- The user's way: the cursor on the diagnostic, Neovim's own code-action menu, the renumber
  -- picked in it (vim.ui.select stands for the menu; Neovim 0.8+ could also filter and apply).
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
  local picked = false
  vim.ui.select = function(items, opts, on_choice)
    result.menu = {}
    local choice, index
    for i, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(result.menu, title)
      if choice == nil and title:find("^Renumber") then
        choice, index = item, i
      end
    end
    picked = true
    local action = choice and (choice.action or choice[2])
    if action then
      result.applied_with = action.edit and "edit" or "command"
      if action.edit and action.command then
        result.applied_with = "edit+command"
      end
    end
    on_choice(choice, index)
  end
  vim.lsp.buf.code_action()
  vim.wait(30000, function()
    return picked
  end, 20)
  if not picked then
    return finish(false, "the code-action menu never opened")
  end
  step("applied")

  local cleared = vim.wait(30000, function()
    return #vim.diagnostic.get(bufnr) == 0
  end, 20)
  result.cleared = cleared
  vim.cmd("silent! wall")
  result.diagnostics_after = #vim.diagnostic.get(bufnr)

  -- the server's commands work from Neovim too
  local info = mm.command("info")
  result.info_diagnostics = info and info.result and info.result.diagnostics
  finish(true, nil)
end

local ok, err = pcall(main)
if not ok then
  finish(false, tostring(err))
end
